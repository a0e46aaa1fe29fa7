import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { indexKeysAt, inSlot, type ClusterSlotNames } from '../../src/store/keyspace.js';
import { DONE, REFUSED } from '../../src/store/indexes/script-status.js';
import { DELETE_WHERE_ON_NODE, packDeleteWhereOnNodeArgs, type SlotStep } from '../../src/store/scripts/delete-where-on-node.js';
import {
  ESTIMATE_WHERE_ON_NODE,
  packEstimateWhereOnNodeArgs,
  parseEstimateWhereOnNodeReply,
} from '../../src/store/scripts/estimate-where-on-node.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, KEY_PREFIX, members } from './eval-script.js';
import { writeAged } from './index-fixture.js';

/*
 * The scripts that walk several shards of one node. On one redis-server every slot is "served settled",
 * so these specs fix what each shard's step does; which slots a cluster node answers for is the cluster
 * specs' (cluster-deletes).
 */

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
afterAll(() => redis.close());

const names: ClusterSlotNames = { indexPrefix: ['idx:{', '}:T:'], temporaryPrefix: ['tmp:{', '}:x:'], writeRecordKey: ['wrote:{', '}:w1'] };
const shardOf = (tag: string) => inSlot(names.indexPrefix, tag);
const OVER_15 = JSON.stringify(['score', 'age', '15', '+inf']);

beforeEach(async () => {
  await redis.client.flushdb();
  await writeAged(redis.client, 'a1', 30, 0, shardOf('a'));
  await writeAged(redis.client, 'a2', 20, 0, shardOf('a'));
  await writeAged(redis.client, 'a3', 10, 0, shardOf('a'));
  await writeAged(redis.client, 'b1', 40, 0, shardOf('b'));
});

const deleteSteps = (steps: SlotStep[]) =>
  evalScript(redis.client, DELETE_WHERE_ON_NODE, packDeleteWhereOnNodeArgs(names, KEY_PREFIX, OVER_15, 60_000, steps)) as Promise<
    number[][]
  >;

describe('estimate-where-on-node.lua', () => {
  it('answers the work of deleting one, then each shard that holds instances with what it selects at most and its work', async () => {
    const reply = parseEstimateWhereOnNodeReply(
      await evalScript(redis.client, ESTIMATE_WHERE_ON_NODE, packEstimateWhereOnNodeArgs(names, OVER_15, ['a', 'empty', 'b'])),
    );
    expect(reply).toEqual({
      deleteWork: expect.any(Number),
      shards: [
        { position: 0, most: 2, work: expect.any(Number) },
        { position: 2, most: 1, work: expect.any(Number) },
      ],
    });
    expect(reply.deleteWork).toBeGreaterThan(0);
    expect(reply.shards[0]?.work).toBeGreaterThan(reply.shards[1]?.work ?? Infinity);
    expect(await redis.client.keys('tmp:*')).toEqual([]);
  });

  it('estimates one slot alone with its keys declared, as the same reply', async () => {
    const declared = [...indexKeysAt(shardOf('b'), ['age', 'name']), inSlot(names.temporaryPrefix, 'b')];
    const reply = parseEstimateWhereOnNodeReply(
      await evalScript(redis.client, ESTIMATE_WHERE_ON_NODE, packEstimateWhereOnNodeArgs(names, OVER_15, ['b'], declared)),
    );
    expect(reply.shards).toEqual([{ position: 0, most: 1, work: expect.any(Number) }]);
  });
});

describe('delete-where-on-node.lua', () => {
  it('runs one step per slot, each held to its own work and size, and answers each step', async () => {
    const replies = await deleteSteps([
      { tag: 'a', maxWork: 1e9, maxInstances: 1 },
      { tag: 'b', maxWork: 1e9, maxInstances: 5 },
    ]);
    expect(replies).toEqual([
      [DONE, expect.any(Number), 1, 2, 1],
      [DONE, expect.any(Number), 1, 1, 1],
    ]);
    expect((await redis.client.keys('T:*')).sort()).toEqual(['T:a1', 'T:a3']);
    expect((await members(redis.client, `${shardOf('a')}@pk`)).map(([pk]) => pk)).toEqual(['a1', 'a3']);
    expect(await members(redis.client, `${shardOf('b')}@pk`)).toEqual([]);
    expect(await redis.client.keys('tmp:*')).toEqual([]);
  });

  it('refuses a step over its own work, deleting nothing there, while the others run', async () => {
    const replies = await deleteSteps([
      { tag: 'a', maxWork: 0, maxInstances: 5 },
      { tag: 'b', maxWork: 1e9, maxInstances: 5 },
    ]);
    expect(replies[0]?.[0]).toBe(REFUSED);
    expect(replies[1]).toEqual([DONE, expect.any(Number), 1, 1, 1]);
    expect((await redis.client.keys('T:a*')).length).toBe(3);
  });

  it("records each slot's step in its slot; sent again, the call answers each record and deletes nothing more", async () => {
    const steps = [
      { tag: 'a', maxWork: 1e9, maxInstances: 1 },
      { tag: 'b', maxWork: 1e9, maxInstances: 1 },
    ];
    const first = await deleteSteps(steps);
    expect(await redis.client.exists(inSlot(names.writeRecordKey, 'a'), inSlot(names.writeRecordKey, 'b'))).toBe(2);
    expect(await deleteSteps(steps)).toEqual(first);
    expect((await redis.client.keys('T:*')).sort()).toEqual(['T:a1', 'T:a3']);
  });
});
