import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, User } from '../examples/shop.js';
import { createStore, isGatewayError, type Store, type WriteConcern } from '../src/index.js';
import { redisClusterOptions, untilClusterReady } from '../src/server/connect-cluster.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { COUNTER_SPAN } from '../src/store/fencing-token.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { startRedisCluster, untilEveryNode, type ClusterNodeAddress, type TestRedisCluster } from './helpers/redis-cluster.js';

/*
 * A cluster of its own (3 primaries, 3 replicas, cluster-node-timeout 3000): this spec kills one of its
 * primaries, which the shared test cluster must never see.
 */
let cluster: TestRedisCluster;
const clients: Array<Redis | Cluster> = [];
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  await cluster?.stop();
});

// A killed primary makes every client that knew it report connection errors: expected here, and not failures.
const quiet = <T extends Redis | Cluster>(client: T): T => {
  client.on('error', () => {});
  clients.push(client);
  return client;
};

const nodeClient = ({ host, port }: ClusterNodeAddress) => quiet(new Redis({ host, port }));

/** Generous: the machine running the spec may be busy, and a write that times out fails it. WAIT waits half of it. */
const TIMEOUT_MS = 4000;

async function connectStore(nodes: readonly ClusterNodeAddress[]): Promise<Store> {
  const client = quiet(new Cluster([...nodes], redisClusterOptions(TIMEOUT_MS)));
  client.on('node error', () => {});
  await untilClusterReady(client, 10_000);
  return createStore({ redis: client, models });
}

interface NodeLine {
  id: string;
  port: number;
  primary: boolean;
  primaryId: string;
  slots: Array<[number, number]>;
}

/** CLUSTER NODES as `node` sees it. */
async function clusterNodes(node: Redis): Promise<NodeLine[]> {
  const text = String(await node.cluster('NODES'));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', primaryId = '', , , , , ...slots] = line.split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        primary: flags.split(',').includes('master') && !flags.includes('fail'),
        primaryId,
        slots: slots.filter((range) => /^\d/.test(range)).map((range) => range.split('-').map(Number) as [number, number]),
      };
    });
}

const serves = (node: NodeLine | undefined, slot: number) =>
  Boolean(node?.primary && node.slots.some(([start, end = start]) => slot >= start && slot <= end));
const myEpoch = async (node: Redis) => BigInt(/cluster_my_epoch:(\d+)/.exec(String(await node.cluster('INFO')))?.[1] ?? '');

const tag = '{failover}';
const keyOf = (concern: WriteConcern, i: number) => `User:${tag}${concern}-${i}`;

/** One insert; true when acknowledged, false when NOT_REPLICATED (applied on the primary, unacknowledged). */
async function write(store: Store, concern: WriteConcern, i: number): Promise<boolean> {
  const user = User.create({ name: `u${i}`, age: i, email: `u${i}@example.com` }, { pk: `${tag}${concern}-${i}` });
  try {
    await store.insert([user], { writeConcern: concern });
    return true;
  } catch (error) {
    if (isGatewayError(error) && error.code === 'NOT_REPLICATED') return false;
    throw error;
  }
}

describe('a failover while a replica lags', () => {
  it('loses writes acknowledged by the primary alone, none acknowledged with writeConcern REPLICA, and fencing tokens only grow', async () => {
    const store = await connectStore(cluster.nodes);
    const slot = keySlot(keyOf('PRIMARY', 0));
    const topology = await clusterNodes(nodeClient(cluster.nodes[0] as ClusterNodeAddress));
    const owner = topology.find((node) => serves(node, slot));
    const follower = topology.find((node) => node.primaryId === owner?.id);
    if (!owner || !follower) throw new Error(`No primary with a replica serves slot ${slot}.`);
    const address = (port: number) => cluster.nodes.find((node) => node.port === port) as ClusterNodeAddress;
    const primary = nodeClient(address(owner.port));
    const replica = nodeClient(address(follower.port));
    const epochBefore = await myEpoch(primary);

    const tokens: bigint[] = [];
    const takeLock = async (session = store.session()) => {
      const { lease } = await session.acquireLock(keyOf('PRIMARY', 0), 'fence');
      tokens.push(BigInt(lease.fencingToken));
      await session.releaseLock(lease.token);
    };

    // Before the pause: acknowledged, and on the replica, for the last REPLICA write's WAIT covers every write before it.
    const before: string[] = [];
    for (let i = 0; i < 10; i++) if (await write(store, 'PRIMARY', i)) before.push(keyOf('PRIMARY', i));
    for (let i = 0; i < 3; i++) await takeLock();
    const replicated: string[] = [];
    for (let i = 0; i < 5; i++) if (await write(store, 'REPLICA', i)) replicated.push(keyOf('REPLICA', i));
    // Three at once, so that the three writes at once during the pause find three connections ready and
    // wait on WAIT alone: a connection opened then could stall on the paused node while it learns the map.
    const warm = await Promise.all([100, 101, 102].map((i) => write(store, 'REPLICA', i)));
    warm.forEach((acknowledged, j) => acknowledged && replicated.push(keyOf('REPLICA', 100 + j)));
    expect(before).toHaveLength(10);
    expect(replicated).toHaveLength(8);

    // The replica is paused and its link cut, so that nothing written from now on reaches it: the kernel's
    // socket buffers (tens of MB on loopback) would otherwise hand it what was written during the pause.
    const during: string[] = [];
    const unacknowledged: string[] = [];
    process.kill(cluster.pids.get(follower.port) as number, 'SIGSTOP');
    try {
      expect(await primary.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
      for (let i = 10; i < 30; i++) if (await write(store, 'PRIMARY', i)) during.push(keyOf('PRIMARY', i));
      const answers = await Promise.all([5, 6, 7].map((i) => write(store, 'REPLICA', i)));
      answers.forEach((acknowledged, j) => (acknowledged ? replicated : unacknowledged).push(keyOf('REPLICA', 5 + j)));
      for (let i = 0; i < 3; i++) await takeLock();
    } finally {
      process.kill(cluster.pids.get(owner.port) as number, 'SIGKILL');
      process.kill(cluster.pids.get(follower.port) as number, 'SIGCONT');
    }
    expect(during).toHaveLength(20);
    expect(unacknowledged).toHaveLength(3);

    const survivors = cluster.nodes.filter((node) => node.port !== owner.port);
    await untilEveryNode(
      survivors,
      async (node) =>
        String(await node.cluster('INFO')).includes('cluster_state:ok') &&
        serves(
          (await clusterNodes(node)).find((each) => each.port === follower.port),
          slot,
        ),
      `The replica on port ${follower.port} was not promoted for slot ${slot}.`,
    );

    // What the promoted replica holds, read through a client that learnt the new layout.
    const after = await connectStore(survivors);
    const lost = async (keys: readonly string[]) => {
      const found = await Promise.all(keys.map((key) => after.get(key)));
      return keys.filter((_, i) => found[i] === null);
    };
    expect(await lost(before)).toEqual([]);
    // The control: every write the primary alone acknowledged during the pause is gone.
    expect(await lost(during)).toEqual(during);
    expect(await lost(replicated)).toEqual([]);
    // REPLICA answered NOT_REPLICATED for exactly such writes: they were applied on the old primary, and lost with it.
    expect(await lost(unacknowledged)).toEqual(unacknowledged);

    // The promoted replica's counter lost the pause's increments: a bare counter would hand out a token again.
    const counter = BigInt(String(await replica.get(clusterKeyspace.fenceKey(keyOf('PRIMARY', 0)))));
    const handedOut = tokens.map((token) => token % COUNTER_SPAN);
    expect(counter).toBeLessThan(handedOut[handedOut.length - 1] as bigint);
    // Its config epoch is higher, and tokens carry it: they only grow.
    expect(await myEpoch(replica)).toBeGreaterThan(epochBefore);
    for (let i = 0; i < 2; i++) await takeLock(after.session());
    expect(tokens).toHaveLength(8);
    tokens.slice(1).forEach((token, i) => expect(token).toBeGreaterThan(tokens[i] as bigint));
  }, 90_000);
});
