import { Redis, type Cluster } from 'ioredis';
import { inject } from 'vitest';
import { countCommands, monitorCommands, type CountOptions, type SeenCommand } from './command-counter.js';
import type { RedisMode } from './global-setup.js';
import { openTestCluster } from './test-cluster.js';

/** Database 0 holds the counter that hands each test file a database of its own, numbered from 1. */
const ALLOCATOR_KEY = 'test:last-database';

/**
 * The Redis a spec file runs against, in its project's mode (vitest.config.ts): a database of its own on
 * the run's redis-server, or a whole test cluster held by the file. The spec reads the same either way:
 * what differs between one Redis and a cluster (where keys live, which node a command reaches) is
 * answered here.
 */
export interface TestRedis {
  mode: RedisMode;
  /** A client on this file's Redis; `close()` quits it with every client made by `connect()`. */
  client: Redis | Cluster;
  connect(): Redis | Cluster;
  /** The flags that point `serve` and the other commands at this Redis. */
  cliFlags: string[];
  /** What `REDIS_URL` or `REDIS_CLUSTER_NODES` would say for this Redis, as environment variables. */
  cliEnv: Record<string, string>;
  /** Every key matching `pattern` on every node, sorted. */
  keys(pattern?: string): Promise<string[]>;
  /** How many of `keys` exist, whichever slots they are in. */
  exists(...keys: string[]): Promise<number>;
  /** Each key's value, whichever slots they are in. */
  mget(...keys: string[]): Promise<Array<string | null>>;
  /** How many keys the whole Redis holds. */
  dbsize(): Promise<number>;
  /** Deletes every key of this file's Redis. */
  flush(): Promise<void>;
  /**
   * Runs `action` and returns what it returned with the commands Redis received meanwhile: on a cluster
   * those of every primary, each with `node` set, in the order each primary received them.
   */
  countCommands<T>(action: () => Promise<T>, options?: CountOptions): Promise<{ result: T; commands: SeenCommand[] }>;
  close(): Promise<void>;
}

export type StandaloneRedis = TestRedis & { client: Redis; connect(): Redis; url: string; db: number };

export const redisMode = (): RedisMode => inject('redisMode');

/**
 * A Redis in the project's mode (see TestRedis): on one Redis a fresh, empty database per call; on a
 * cluster the one the file holds, empty when the file first opens it and shared by later calls.
 */
export function openTestRedis(): Promise<TestRedis> {
  return redisMode() === 'cluster' ? openClusterRedis() : openStandaloneRedis();
}

/** A fresh, empty database on the run's redis-server, whatever the project's mode: for specs that compare the two. */
export async function openStandaloneRedis(): Promise<StandaloneRedis> {
  const url = inject('redisUrl');
  const allocator = new Redis(url);
  const db = await allocator.incr(ALLOCATOR_KEY);
  await allocator.quit();
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(url, { db });
    clients.push(client);
    return client;
  };
  const client = connect();
  await client.flushdb();
  const keys = async (pattern = '*') => (await client.keys(pattern)).sort();
  return {
    mode: 'standalone',
    url: `${url}/${db}`,
    db,
    client,
    connect,
    cliFlags: ['--redis', `${url}/${db}`],
    cliEnv: { REDIS_URL: `${url}/${db}` },
    keys,
    exists: (...names) => (names.length === 0 ? Promise.resolve(0) : client.exists(...names)),
    mget: (...names) => (names.length === 0 ? Promise.resolve([]) : client.mget(...names)),
    dbsize: () => client.dbsize(),
    flush: async () => void (await client.flushdb()),
    countCommands: (action, options) => countCommands(client, db, action, options),
    close: async () => {
      await Promise.all(clients.map((each) => each.quit().catch(() => each.disconnect())));
    },
  };
}

/** The test cluster this file holds, emptied when the file takes it. */
async function openClusterRedis(): Promise<TestRedis> {
  const cluster = await openTestCluster();
  const primaries = await cluster.primaries();
  const flush = async () => {
    await Promise.all([...primaries.values()].map((primary) => primary.flushall()));
  };
  // A second open in the same file shares the first one's data, as two clients of one cluster do.
  if (cluster.taken) await flush();
  const nodes = cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  const keys = async (pattern = '*') => (await Promise.all([...primaries.values()].map((primary) => primary.keys(pattern)))).flat().sort();
  const perKey = <T>(names: string[], read: (key: string) => Promise<T>) => Promise.all(names.map(read));
  return {
    mode: 'cluster',
    client: cluster.client,
    connect: () => cluster.connect(),
    cliFlags: ['--redis-cluster', nodes],
    cliEnv: { REDIS_CLUSTER_NODES: nodes },
    keys,
    exists: async (...names) => (await perKey(names, (key) => cluster.client.exists(key))).reduce((sum, each) => sum + each, 0),
    mget: (...names) => perKey(names, (key) => cluster.client.get(key)),
    dbsize: async () =>
      (await Promise.all([...primaries.values()].map((primary) => primary.dbsize()))).reduce((sum, each) => sum + each, 0),
    flush,
    async countCommands(action, options) {
      const recorders = await Promise.all(
        [...primaries].map(async ([node, primary]) => [node, await monitorCommands(primary, 0, options)] as const),
      );
      const result = await action();
      const commands = await Promise.all(
        recorders.map(async ([node, recorder]) =>
          (await recorder.stop()).filter(isGatewayCommand).map((command) => ({ ...command, node })),
        ),
      );
      return { result, commands: commands.flat() };
    },
    close: () => cluster.close(),
  };
}

/** ioredis's own topology refreshes (CLUSTER SLOTS, at its interval) belong to no request. */
const isGatewayCommand = (command: SeenCommand) => command.name !== 'cluster';
