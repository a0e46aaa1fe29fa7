import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, User } from '../examples/shop.js';
import { createStore } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { assignSlot, migrate, nodeId, postGraphQL, primaryFor, startMigration } from './helpers/cluster-keys.js';
import { openClusterGateway, type ClusterGateway } from './helpers/test-cluster.js';

// The cluster is shared with other spec files: every pk here holds this run's id.
const run = randomBytes(4).toString('hex');
const tag = `{wc${run}}`;
const key = (name: string) => `User:${tag}${name}`;

let setup: ClusterGateway;
const opened: Redis[] = [];
beforeAll(async () => {
  setup = await openClusterGateway(models);
});
afterAll(async () => {
  await Promise.all(opened.map((client) => client.quit()));
  await setup.close();
});

/** A client of the replica of the primary that serves `documentKey`, reading as a replica does (READONLY). */
async function replicaOf(documentKey: string): Promise<Redis> {
  const primary = primaryFor(setup.client, setup.primaries, documentKey);
  const lines = (await primary.call('CLUSTER', 'REPLICAS', await nodeId(primary))) as string[];
  const port = Number(/:(\d+)@/.exec(lines[0] ?? '')?.[1]);
  const replica = new Redis({ host: '127.0.0.1', port });
  opened.push(replica);
  await replica.readonly();
  return replica;
}

const epochOf = async (node: Redis) => BigInt(/cluster_my_epoch:(\d+)/.exec(String(await node.cluster('INFO')))?.[1] ?? '');

describe('writeConcern REPLICA on a Redis Cluster', () => {
  it("answers each write once the slot's replica holds it", async () => {
    const replica = await replicaOf(key('alice'));
    const inserted = await postGraphQL<{ insertMany: Array<{ key: string }> }>(
      setup.gateway,
      `mutation { insertMany(writeConcern: REPLICA, models: [{ user: { pk: "${tag}alice", name: "Alice", age: 30, email: "a@example.com" } }]) { key } }`,
    );
    expect(inserted).toEqual({ data: { insertMany: [{ key: key('alice') }] } });
    expect(await replica.get(key('alice'))).toContain('"Alice"');

    const saved = await postGraphQL<{ withLock: { applied: boolean } }>(
      setup.gateway,
      `mutation { withLock(key: "${key('alice')}", writeConcern: REPLICA, update: { user: { inc: { balance: 7 } } }) { applied } }`,
    );
    expect(saved).toEqual({ data: { withLock: { applied: true } } });
    expect(JSON.parse((await replica.get(key('alice'))) ?? '{}')).toMatchObject({ balance: 7 });

    const deleted = await postGraphQL<{ deleteMany: { count: number } }>(
      setup.gateway,
      `mutation { deleteMany(keys: ["${key('alice')}"], writeConcern: REPLICA) { count } }`,
    );
    expect(deleted).toEqual({ data: { deleteMany: { count: 1 } } });
    expect(await replica.exists(key('alice'))).toBe(0);
  });

  it('follows a slot moved after its connections learned the slot map, and fencing tokens keep growing across the move', async () => {
    const moved = key('bob');
    const slot = keySlot(moved);
    // A client of its own, whose slot map goes stale when the slot moves.
    const writer = setup.cluster.connect();
    const store = createStore({ redis: writer, models, writeConcern: 'REPLICA' });
    await store.insert([User.create({ name: 'Bob', age: 40, email: 'b@example.com' }, { pk: `${tag}bob` })]);
    const session = store.session();
    const before = await session.acquireLock(moved, 'move');
    await session.releaseLock(before.lease.token);

    const from = primaryFor(writer, setup.primaries, moved);
    const to = [...setup.primaries.values()].find((primary) => primary !== from) as Redis;
    await startMigration(slot, from, to);
    await migrate(slot, from, to);
    await assignSlot(slot, [from, to], to);
    try {
      expect(await epochOf(to)).toBeGreaterThan(await epochOf(from));
      // The write's pipeline goes to the old owner, which answers MOVED: sent again to the new one.
      await store.insert([User.create({ name: 'Bob', age: 41, email: 'b@example.com' }, { pk: `${tag}bob` })]);
      expect(await to.get(moved)).toContain('"age":41');
      const after = await session.acquireLock(moved, 'move');
      await session.releaseLock(after.lease.token);
      expect(BigInt(after.lease.fencingToken)).toBeGreaterThan(BigInt(before.lease.fencingToken));
    } finally {
      await startMigration(slot, to, from);
      await migrate(slot, to, from);
      await assignSlot(slot, [from, to], from);
      await writer.quit();
    }
  });
});
