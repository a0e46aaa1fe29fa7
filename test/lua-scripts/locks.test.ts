import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACQUIRE_LOCK, packAcquireLockArgs } from '../../src/store/scripts/acquire-lock.js';
import { EXTEND_LOCK, packExtendLockArgs } from '../../src/store/scripts/extend-lock.js';
import { packReleaseLockArgs, RELEASE_LOCK } from '../../src/store/scripts/release-lock.js';
import { loadScript } from '../../src/store/lua/load-script.js';
import { primaryFor } from '../helpers/cluster-keys.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { openTestCluster } from '../helpers/test-cluster.js';
import { evalScript, serverMs } from './eval-script.js';

/** Opening the test cluster waits for the spec file that holds it (test-cluster.ts). */
const CLUSTER_WAIT = { timeout: 300_000 };

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

// Each holder's value names its acquisition's record, as the store does (locks.ts).
const acquire = (value: string, leaseMs = 10_000) =>
  evalScript(
    redis.client,
    ACQUIRE_LOCK,
    packAcquireLockArgs('lock:a', 'fence', value, leaseMs, { key: `wrote:${value}`, lifetimeMs: 60_000 }),
  ) as Promise<[number, number, number?]>;
// An extension or release sent again keeps its write id; a new one gets another.
const newId = () => Math.random().toString(36).slice(2);
const extend = (value: string, leaseMs: number, writeId = newId()) =>
  evalScript(redis.client, EXTEND_LOCK, packExtendLockArgs('lock:a', value, leaseMs, { key: `wrote:${writeId}`, lifetimeMs: 60_000 }));
const release = (value: string, writeId = newId()) =>
  evalScript(redis.client, RELEASE_LOCK, packReleaseLockArgs('lock:a', value, { key: `wrote:${writeId}`, lifetimeMs: 60_000 }));

describe('acquire-lock.lua', () => {
  it('takes a free lock for its lease and answers the next fencing token with the server time', async () => {
    const before = await serverMs(redis.client);
    const [fence, time] = await acquire('holder-1', 5000);
    const after = await serverMs(redis.client);
    expect(fence).toBe(1);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
    expect(await redis.client.get('lock:a')).toBe('holder-1');
    expect(await redis.client.pttl('lock:a')).toBeGreaterThan(4900);
  });

  it('answers {0, pttl left} for a held lock, leaving holder, lease and counter as they were', async () => {
    await acquire('holder-1', 5000);
    const [fence, pttl] = await acquire('holder-2');
    expect(fence).toBe(0);
    expect(pttl).toBeGreaterThan(4900);
    expect(pttl).toBeLessThanOrEqual(5000);
    expect(await redis.client.get('lock:a')).toBe('holder-1');
    expect(await redis.client.get('fence')).toBe('1');
  });

  it('answers an acquisition sent again with its record: the same token and time, the counter untouched', async () => {
    const taken = await acquire('holder-1', 5000);
    expect(await acquire('holder-1', 5000)).toEqual(taken);
    expect(await redis.client.get('fence')).toBe('1');
    // A failed attempt records nothing: the same holder tries again once the lock is free.
    await acquire('holder-2');
    expect(await redis.client.exists('wrote:holder-2')).toBe(0);
  });

  it('answers epoch 0 on one Redis, which has none', async () => {
    expect((await acquire('holder-1'))[2]).toBe(0);
  });

  it(
    "answers, asked on a cluster node, that node's config epoch beside the counter, and records it for a re-send",
    CLUSTER_WAIT,
    async () => {
      const cluster = await openTestCluster();
      try {
        const primaries = await cluster.primaries();
        const tag = `{lua-epoch-${Math.random().toString(36).slice(2)}}`;
        const call = packAcquireLockArgs(`${tag}lock`, `${tag}fence`, 'holder-1', 10_000, { key: `${tag}wrote`, lifetimeMs: 60_000 }, true);
        const run = () => cluster.client.eval(loadScript(ACQUIRE_LOCK), call.keys.length, ...call.keys, ...call.args) as Promise<number[]>;
        const taken = await run();
        const info = String(await primaryFor(cluster.client, primaries, `${tag}lock`).cluster('INFO'));
        expect(taken[0]).toBe(1);
        expect(taken[2]).toBe(Number(/cluster_my_epoch:(\d+)/.exec(info)?.[1]));
        expect(taken[2]).toBeGreaterThan(0);
        expect(await run()).toEqual(taken);
      } finally {
        await cluster.close();
      }
    },
  );

  it('answers a larger fencing token each time the lock is taken', async () => {
    await acquire('holder-1');
    await redis.client.del('lock:a');
    expect((await acquire('holder-2'))[0]).toBe(2);
  });
});

describe('extend-lock.lua', () => {
  it('sets a new lease for the holder and answers the server time', async () => {
    await acquire('holder-1', 1000);
    const before = await serverMs(redis.client);
    const time = (await extend('holder-1', 60_000)) as number;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(await redis.client.pttl('lock:a')).toBeGreaterThan(59_000);
  });

  it('answers 0 and changes nothing for anyone else, or a lock that is gone', async () => {
    await acquire('holder-1', 1000);
    expect(await extend('holder-2', 60_000)).toBe(0);
    expect(await redis.client.pttl('lock:a')).toBeLessThanOrEqual(1000);
    await redis.client.del('lock:a');
    expect(await extend('holder-1', 60_000)).toBe(0);
    expect(await redis.client.exists('lock:a')).toBe(0);
  });

  it('answers an extension sent again with its record: the same time, the lease not set again', async () => {
    await acquire('holder-1', 1000);
    const time = await extend('holder-1', 60_000, 'x1');
    await redis.client.pexpire('lock:a', 5000);
    expect(await extend('holder-1', 60_000, 'x1')).toBe(time);
    expect(await redis.client.pttl('lock:a')).toBeLessThanOrEqual(5000);
    // A failed extension records nothing.
    expect(await extend('holder-2', 60_000, 'x2')).toBe(0);
    expect(await redis.client.exists('wrote:x2')).toBe(0);
  });
});

describe('release-lock.lua', () => {
  it('deletes the lock for its holder only, answering 1, else 0', async () => {
    await acquire('holder-1');
    expect(await release('holder-2')).toBe(0);
    expect(await redis.client.get('lock:a')).toBe('holder-1');
    expect(await release('holder-1')).toBe(1);
    expect(await redis.client.exists('lock:a')).toBe(0);
    expect(await release('holder-1')).toBe(0);
  });

  it('answers a release sent again with its record, 1, and leaves alone the lock someone took since', async () => {
    await acquire('holder-1');
    expect(await release('holder-1', 'r1')).toBe(1);
    await acquire('holder-2');
    expect(await release('holder-1', 'r1')).toBe(1);
    expect(await redis.client.get('lock:a')).toBe('holder-2');
    // A failed release records nothing.
    expect(await release('holder-1', 'r2')).toBe(0);
    expect(await redis.client.exists('wrote:r2')).toBe(0);
  });
});
