import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { inject } from 'vitest';
import { createGateway, createStore, type Gateway, type ModelDefinition, type Store } from '../../src/index.js';

export interface TestCluster {
  /** A Cluster client; `close()` quits it with every client made by `connect()` and `primaries()`. */
  client: Cluster;
  connect(options?: ClusterOptions): Cluster;
  /** A plain client on each primary, by ioredis's name for the node (`host:port`), as in `Cluster.slots`. */
  primaries(): Promise<Map<string, Redis>>;
  close(): Promise<void>;
}

/** Where the spec file that holds the test cluster says so: on the run's own redis-server, database 0. */
const EXCLUSIVE_KEY = 'test:cluster-held-by';
/** Longer than any spec file holds it; a file that died holding it frees it then. */
const EXCLUSIVE_MS = 10 * 60_000;
const exclusive = { opened: 0, token: `${process.pid}:${Math.random()}`, redis: undefined as Redis | undefined };

/**
 * One spec file at a time uses the test cluster: specs move slots between primaries and count the
 * commands each primary gets, and a slot that another file is moving meanwhile makes a read or a delete
 * take an extra call (its fallback for a slot in migration), which an exact count then reports as a
 * fault. Files that do not use the cluster run in parallel as before. Taken when a file opens its first
 * TestCluster, given back when it closes the last.
 */
async function holdCluster(): Promise<void> {
  exclusive.opened += 1;
  if (exclusive.opened > 1) return;
  exclusive.redis = new Redis(inject('redisUrl'));
  while ((await exclusive.redis.set(EXCLUSIVE_KEY, exclusive.token, 'PX', EXCLUSIVE_MS, 'NX')) !== 'OK')
    await new Promise((resolve) => setTimeout(resolve, 100));
}

async function releaseCluster(): Promise<void> {
  exclusive.opened -= 1;
  if (exclusive.opened > 0 || !exclusive.redis) return;
  const redis = exclusive.redis;
  exclusive.redis = undefined;
  await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    EXCLUSIVE_KEY,
    exclusive.token,
  );
  await redis.quit();
}

/**
 * Clients of the run's test cluster (see redis-cluster.ts), for this spec file alone until `close()`
 * (holdCluster). A cluster has one database, shared by every spec that uses it: specs keep to keys of
 * their own.
 */
export async function openTestCluster(): Promise<TestCluster> {
  await holdCluster();
  const nodes = inject('redisClusterNodes');
  const clients: Array<Redis | Cluster> = [];
  const connect = (options?: ClusterOptions) => {
    const client = new Cluster(nodes, options);
    clients.push(client);
    return client;
  };
  const client = connect();
  return {
    client,
    connect,
    async primaries() {
      await client.ping();
      return new Map(
        client.nodes('master').map(({ options: { host, port } }) => {
          const primary = new Redis({ host, port });
          clients.push(primary);
          return [`${host}:${port}`, primary];
        }),
      );
    },
    close: async () => {
      await Promise.all(clients.map((each) => each.quit().catch(() => each.disconnect())));
      await releaseCluster();
    },
  };
}

/** What a spec of the gateway on the test cluster starts from: a client, a gateway and a store on it, and each primary. */
export interface ClusterGateway {
  cluster: TestCluster;
  client: Cluster;
  gateway: Gateway<Cluster>;
  store: Store;
  primaries: Map<string, Redis>;
  /** Closes the gateway, then every client. */
  close(): Promise<void>;
}

export async function openClusterGateway(models: readonly ModelDefinition[], options?: ClusterOptions): Promise<ClusterGateway> {
  const cluster = await openTestCluster();
  const client = cluster.connect(options);
  const gateway = createGateway({ models: [...models], redis: client, logging: false });
  const store = createStore({ redis: client, models: [...models] });
  const primaries = await cluster.primaries();
  return {
    cluster,
    client,
    gateway,
    store,
    primaries,
    close: async () => {
      await gateway.close();
      await cluster.close();
    },
  };
}
