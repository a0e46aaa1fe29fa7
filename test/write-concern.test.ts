import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { models, User } from '../examples/shop.js';
import { createGateway, createStore, type Gateway, type Store } from '../src/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { describeCommand, isScriptCall } from './helpers/command-counter.js';
import { gatewayError } from './helpers/gateway-error.js';
import { nodeId, primaryFor } from './helpers/cluster-keys.js';
import { onCluster } from './helpers/modes.js';
import { openStandaloneRedis, openTestRedis, type StandaloneRedis, type TestRedis } from './helpers/redis.js';
import { openTestCluster, type TestCluster } from './helpers/test-cluster.js';

/** A command timeout of 200 ms: WAIT then waits 100 ms, half of it. */
const TIMEOUT_MS = 200;
const WAIT_MS = 100;

/** The process of the replica of the primary that serves `key`'s slot. */
async function replicaPidOf(cluster: TestCluster, key: string): Promise<number> {
  const primary = primaryFor(cluster.client, await cluster.primaries(), key);
  const lines = (await primary.call('CLUSTER', 'REPLICAS', await nodeId(primary))) as string[];
  const replica = new Redis({ host: '127.0.0.1', port: Number(/:(\d+)@/.exec(lines[0] ?? '')?.[1]) });
  try {
    return Number(/process_id:(\d+)/.exec(await replica.info('server'))?.[1]);
  } finally {
    await replica.quit();
  }
}

const alice = () => User.create({ name: 'Alice', age: 30, email: 'a@example.com', balance: 10 }, { pk: 'alice' });

describe('writeConcern PRIMARY', () => {
  let redis: TestRedis;
  let store: Store;
  beforeAll(async () => {
    redis = await openTestRedis();
    store = createStore({ redis: redis.client, models });
  });
  afterAll(() => redis.close());

  it('sends no WAIT, the default: the write script alone, to the node of its slot', async () => {
    await store.insert([alice()]); // opens the connection to that node
    const { commands } = await redis.countCommands(() => store.insert([alice()]));
    expect(commands.filter((command) => !isScriptCall(command))).toEqual([]);
    expect(commands).toHaveLength(1);
  });
});

/**
 * On one Redis: the run's redis-server, which has no replica. On a cluster every primary has one, so the
 * replica of the slot of the documents here is paused (SIGSTOP) while each spec runs: well within the
 * cluster's node timeout, so that nothing fails over.
 */
describe('writeConcern REPLICA when no replica acknowledges', () => {
  let redis: TestRedis;
  let client: Redis | Cluster;
  let store: Store;
  let replicaPid: number | undefined;
  beforeAll(async () => {
    if (onCluster()) {
      redis = await openTestRedis();
      // The cluster this file holds already: a client of it with the command timeout of these specs.
      const cluster = await openTestCluster();
      closing.push(() => cluster.close());
      client = cluster.connect({ redisOptions: { commandTimeout: TIMEOUT_MS } });
      replicaPid = await replicaPidOf(cluster, 'User:alice');
    } else {
      const own = await openStandaloneRedis();
      redis = own;
      client = new Redis(own.url, { commandTimeout: TIMEOUT_MS });
    }
    store = createStore({ redis: client, models });
  });
  const closing: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    await redis.flush();
    if (replicaPid !== undefined) process.kill(replicaPid, 'SIGSTOP');
  });
  afterEach(() => {
    if (replicaPid !== undefined) process.kill(replicaPid, 'SIGCONT');
  });
  afterAll(async () => {
    client.disconnect();
    for (const close of closing) await close();
    await redis.close();
  });

  it('writes, then answers NOT_REPLICATED after WAIT 1 sent behind the script waited half the command timeout', async () => {
    // The first REPLICA write opens the connection such writes use (replica-lanes.ts): count the next one.
    await gatewayError(() => store.insert([alice()], { writeConcern: 'REPLICA' }));
    await redis.client.del('User:alice');
    const { result: error, commands } = await redis.countCommands(() =>
      gatewayError(() => store.insert([alice()], { writeConcern: 'REPLICA' })),
    );
    expect(error.code).toBe('NOT_REPLICATED');
    expect(error.details).toEqual({ replicas: 0, waitMs: WAIT_MS });
    expect(error.message).toMatch(/applied on the primary, but no replica acknowledged it within 100 ms/);
    // A connection of the cluster client that (re)connects meanwhile, while a replica is paused, says
    // HELLO and asks INFO for its ready check: that is the client's, not the write's.
    const sent = commands.filter((command) => command.name !== 'hello' && command.name !== 'info');
    expect(sent.map(describeCommand)).toEqual([expect.stringMatching(/^script User:alice /), `wait 1 ${WAIT_MS}`]);
    expect(await redis.client.exists('User:alice')).toBe(1);
  });

  it('answers KEY_EXISTS, not NOT_REPLICATED, for an insert that wrote nothing', async () => {
    await store.insert([alice()]);
    const error = await gatewayError(() => store.insert([alice()], { onConflict: 'FAIL', writeConcern: 'REPLICA' }));
    expect(error.code).toBe('KEY_EXISTS');
  });

  it('lets a lock go that no replica acknowledged, and says so', async () => {
    await store.insert([alice()]);
    const session = store.session();
    const error = await gatewayError(() => session.acquireLock('User:alice', 'pay', { writeConcern: 'REPLICA' }));
    expect(error.code).toBe('NOT_REPLICATED');
    expect(error.message).toMatch(
      /lock on "User:alice" \(pay\) was taken, but no replica acknowledged it within 100 ms .* so it was let go again/,
    );
    expect(await redis.keys('rmg:lock:*')).toEqual([]);
    // Free at once for the next caller, who does not wait for a lease to run out.
    const { lease } = await session.acquireLock('User:alice', 'pay', { timeoutMs: 0 });
    await session.releaseLock(lease.token);
  });

  it('answers NOT_REPLICATED for a save at releaseLock and lets the lock go; the save stands on the primary', async () => {
    await store.insert([alice()]);
    const session = store.session();
    const { lease } = await session.acquireLock('User:alice', 'pay');
    const error = await gatewayError(() => session.releaseLock(lease.token, { update: { inc: { balance: 5 } }, writeConcern: 'REPLICA' }));
    expect(error.code).toBe('NOT_REPLICATED');
    expect(JSON.parse((await redis.client.get('User:alice')) ?? '{}')).toMatchObject({ balance: 15 });
    expect(await redis.keys('rmg:lock:*')).toEqual([]);
  });
});

/**
 * A primary with one replica of its own, so that WAIT has someone to count, and a replica that can be
 * paused (SIGSTOP) to make it fall behind for certain. Servers of its own, the same whatever the
 * project's Redis: run once. On a cluster, cluster-write-concern.test.ts specifies writes acknowledged by
 * their slot's replica.
 */
describe.runIf(!onCluster())('writeConcern on a Redis with a replica', () => {
  let dir: string;
  let primary: EmbeddedRedis;
  let replica: EmbeddedRedis;
  let client: Redis;
  let replicaClient: Redis;
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rmg-write-concern-'));
    primary = await startEmbeddedRedis({ dir: join(dir, 'primary'), appendOnly: false });
    replica = await startEmbeddedRedis({
      dir: join(dir, 'replica'),
      appendOnly: false,
      args: ['--replicaof', '127.0.0.1', String(primary.port), '--repl-diskless-load', 'swapdb'],
    });
    // Generous, for writes that must be acknowledged on a busy machine; the specs of a paused replica make their own.
    client = new Redis(primary.url, { commandTimeout: 4000 });
    replicaClient = new Redis(replica.url);
    // Setup, not an assertion: wait until the replica is in sync and acknowledging.
    while (!/slave0:.*state=online/.test(await client.info('replication'))) await sleep(20);
    store = createStore({ redis: client, models });
  });
  afterAll(async () => {
    client.disconnect();
    replicaClient.disconnect();
    await Promise.all([primary.stop(), replica.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers inserts, deletes, saves under locks and acquisitions once the replica has them', async () => {
    const [inserted] = await store.insert([alice()], { writeConcern: 'REPLICA' });
    expect(inserted?.key).toBe('User:alice');
    // WAIT counted the replica's acknowledgement of the write: it holds the document already.
    expect(await replicaClient.get('User:alice')).not.toBeNull();

    const saved = await store.session().withLock('User:alice', 'pay', { update: { inc: { balance: 5 } }, writeConcern: 'REPLICA' });
    expect(saved.applied).toBe(true);
    expect(JSON.parse((await replicaClient.get('User:alice')) ?? '{}')).toMatchObject({ balance: 15 });

    const session = store.session();
    const { lease } = await session.acquireLock('User:alice', 'audit', { writeConcern: 'REPLICA' });
    expect(await replicaClient.get(`rmg:lock:audit:User:alice`)).toBe(lease.value);
    await session.releaseLock(lease.token);

    expect(await store.session().deleteMany(['User:alice'], { writeConcern: 'REPLICA' })).toEqual({ count: 1, byModel: { User: 1 } });
    expect(await replicaClient.exists('User:alice')).toBe(0);
  });

  /** A store whose client has its own command timeout, so that its writes WAIT half of it. */
  const storeWithTimeout = (timeoutMs: number) => {
    const own = new Redis(primary.url, { commandTimeout: timeoutMs });
    opened.push(own);
    return createStore({ redis: own, models });
  };
  const opened: Redis[] = [];
  afterAll(() => opened.forEach((each) => each.disconnect()));

  const paused = async <T>(action: () => Promise<T>): Promise<T> => {
    process.kill(replica.pid, 'SIGSTOP');
    try {
      return await action();
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
  };

  it("holds up none of the store's other reads and writes while WAIT waits for a paused replica", async () => {
    // WAIT waits 1000 ms here: the read and the PRIMARY write answer long before it.
    const slow = storeWithTimeout(2000);
    await slow.insert([alice()]);
    await paused(async () => {
      let settled = false;
      const waiting = slow.insert([alice()], { writeConcern: 'REPLICA' }).finally(() => (settled = true));
      expect(await slow.get('User:alice')).not.toBeNull();
      await slow.insert([User.create({ name: 'Bob', age: 40, email: 'b@example.com' }, { pk: 'bob' })]);
      expect(settled).toBe(false);
      expect((await gatewayError(() => waiting)).code).toBe('NOT_REPLICATED');
    });
  });

  it('waits for concurrent REPLICA writes side by side, each on a connection of its own, not one behind the other', async () => {
    // WAIT waits 600 ms of a 1200 ms timeout: one behind the other, the second would time out and the third never run.
    const concurrent = storeWithTimeout(1200);
    const writes = ['c1', 'c2', 'c3'].map((pk) => User.create({ name: pk, age: 1, email: `${pk}@example.com` }, { pk }));
    const codes = await paused(() =>
      Promise.all(writes.map(async (draft) => (await gatewayError(() => concurrent.insert([draft], { writeConcern: 'REPLICA' }))).code)),
    );
    expect(codes).toEqual(['NOT_REPLICATED', 'NOT_REPLICATED', 'NOT_REPLICATED']);
  });

  it('opens at most 16 connections for REPLICA writes: the 17th at once waits for one to come free', async () => {
    const connected = async () => Number(/connected_clients:(\d+)/.exec(await client.info('clients'))?.[1]);
    const before = await connected();
    const many = storeWithTimeout(1200);
    const writes = Array.from({ length: 17 }, (_, i) =>
      User.create({ name: `m${i}`, age: i, email: `m${i}@example.com` }, { pk: `m${i}` }),
    );
    const codes = await paused(() =>
      Promise.all(writes.map(async (draft) => (await gatewayError(() => many.insert([draft], { writeConcern: 'REPLICA' }))).code)),
    );
    expect(new Set(codes)).toEqual(new Set(['NOT_REPLICATED']));
    // The store's own connection, and 16 of its own for the REPLICA writes.
    expect((await connected()) - before).toBe(17);
  });

  it('answers NOT_REPLICATED while the replica is paused, and acknowledges again once it runs', async () => {
    const quick = storeWithTimeout(TIMEOUT_MS);
    await paused(async () => {
      const error = await gatewayError(() => quick.insert([alice()], { writeConcern: 'REPLICA' }));
      expect(error.code).toBe('NOT_REPLICATED');
      // PRIMARY does not wait for it.
      await quick.insert([alice()]);
    });
    await store.insert([alice()], { writeConcern: 'REPLICA' });
    expect(await replicaClient.exists('User:alice')).toBe(1);
  });
});

// The server's default applies on a Redis without replicas, where REPLICA and PRIMARY answer differently.
describe.runIf(!onCluster())('writeConcern through GraphQL', () => {
  let redis: StandaloneRedis;
  let gateway: Gateway;
  const post = async (query: string) => {
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> };
  };
  const insert = (concern: string) =>
    post(`mutation { insertMany(models: [{ user: { pk: "bob", name: "Bob", age: 40, email: "b@example.com" } }]${concern}) { key } }`);

  beforeAll(async () => {
    redis = await openStandaloneRedis();
    // The server's default is REPLICA, and this Redis has no replica: a mutation that names none is NOT_REPLICATED.
    gateway = createGateway({ models, redis: redis.url, redisTimeoutMs: TIMEOUT_MS, writeConcern: 'REPLICA', logging: false });
  });
  afterAll(async () => {
    await gateway.close();
    await redis.close();
  });

  it("applies the server's default when a mutation names none, and the mutation's own when it does", async () => {
    const byDefault = await insert('');
    expect(byDefault.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_REPLICATED', replicas: 0, waitMs: WAIT_MS });
    expect(await redis.exists('User:bob')).toBe(1);
    expect(await insert(', writeConcern: PRIMARY')).toEqual({ data: { insertMany: [{ key: 'User:bob' }] } });
  });
});
