import { describe, expect, it } from 'vitest';
import { GatewayError, redisUnavailable, writeOutcomeUnknown } from '../src/errors.js';
import { groupBySlot } from '../src/store/cluster/slot-groups.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { clusterKeyspace, singleKeyspace } from '../src/store/keyspace.js';
import { sendUntilOutcomeKnown } from '../src/store/resend-write.js';
import { gatewayError } from './helpers/gateway-error.js';

/* The rules of re-sending a write and of grouping one by slot, without Redis: the specs on Redis show them at work. */

/** A send that fails with each of `failures` in turn, then answers 'written'; it counts its calls. */
function sendFailing(...failures: Error[]) {
  const sender = {
    calls: 0,
    send: async () => {
      const failure = failures[sender.calls++];
      if (failure) throw failure;
      return 'written';
    },
  };
  return sender;
}

const lost = () => writeOutcomeUnknown('the connection was lost');
const noPauses = [0, 0];

describe('sending a write until its outcome is known', () => {
  it('re-sends after a lost reply and answers what the re-send answered', async () => {
    const sender = sendFailing(lost(), lost());
    expect(await sendUntilOutcomeKnown('w1', sender.send, noPauses)).toBe('written');
    expect(sender.calls).toBe(3);
  });

  it('gives up after three sends with WRITE_OUTCOME_UNKNOWN naming the write id to retry with', async () => {
    const sender = sendFailing(lost(), lost(), lost(), lost());
    const error = await gatewayError(() => sendUntilOutcomeKnown('w2', sender.send, noPauses));
    expect(sender.calls).toBe(3);
    expect(error.code).toBe('WRITE_OUTCOME_UNKNOWN');
    expect(error.details).toEqual({ writeId: 'w2', attempts: 3 });
    expect(error.message).toContain('every reply was lost (last: the connection was lost)');
    expect(error.message).toContain('Retry it unchanged with writeId "w2" within 60 s');
  });

  it('keeps the outcome unknown when a re-send is refused unsent: the first send may still have been applied', async () => {
    const sender = sendFailing(lost(), redisUnavailable('not connected'), redisUnavailable('not connected'));
    expect((await gatewayError(() => sendUntilOutcomeKnown('w3', sender.send, noPauses))).code).toBe('WRITE_OUTCOME_UNKNOWN');
  });

  it('never re-sends a write refused before it ran, or one that failed otherwise', async () => {
    for (const failure of [redisUnavailable('not connected'), new GatewayError('KEY_EXISTS', 'exists'), new Error('a bug')]) {
      const sender = sendFailing(failure);
      await expect(sendUntilOutcomeKnown('w4', sender.send, noPauses)).rejects.toBe(failure);
      expect(sender.calls).toBe(1);
    }
  });
});

describe('grouping a write by slot', () => {
  it('orders groups by ascending slot and keeps the caller’s order within each', () => {
    const keys = ['User:{c}1', 'User:{a}1', 'User:{b}1', 'User:{a}2'];
    const groups = groupBySlot(clusterKeyspace, keys, (key) => key);
    const slots = groups.map((group) => group.slot as number);
    expect(slots).toEqual([...slots].sort((x, y) => x - y));
    expect(groups.find((group) => group.slot === keySlot('{a}'))?.items).toEqual(['User:{a}1', 'User:{a}2']);
    expect(groups.flatMap((group) => group.items).sort()).toEqual([...keys].sort());
  });

  it('makes one group with no slot on one Redis, and none of nothing', () => {
    expect(groupBySlot(singleKeyspace, ['User:{c}1', 'User:{a}1'], (key) => key)).toEqual([
      { slot: null, items: ['User:{c}1', 'User:{a}1'] },
    ]);
    expect(groupBySlot(singleKeyspace, [], (key: string) => key)).toEqual([]);
  });
});
