import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { inject } from 'vitest';
import { createGateway, createStore, type Gateway, type ModelDefinition, type Store } from '../../src/index.js';
import type { ClusterNodeAddress } from './redis-cluster.js';

export interface TestCluster {
  /** The nodes of the cluster this spec file holds, primaries first: startup nodes for a Cluster client. */
  nodes: ClusterNodeAddress[];
  /** Whether this open took the cluster, rather than joined the file's hold on it: what it holds is another file's. */
  taken: boolean;
  /** A Cluster client; `close()` quits it with every client made by `connect()` and `primaries()`. */
  client: Cluster;
  connect(options?: ClusterOptions): Cluster;
  /** A plain client on each primary, by ioredis's name for the node (`host:port`), as in `Cluster.slots`. */
  primaries(): Promise<Map<string, Redis>>;
  close(): Promise<void>;
}

/** Which spec file holds which test cluster: on the run's own redis-server, database 0. */
const HELD_KEY = (index: number) => `test:cluster-held-by:${index}`;
/** Longer than any spec file holds one; a file that died holding it frees it then. */
const HELD_MS = 10 * 60_000;
const held = {
  opened: 0,
  token: `${process.pid}:${Math.random()}`,
  index: -1,
  redis: undefined as Redis | undefined,
};

/**
 * One spec file at a time uses a test cluster: specs move slots between primaries, flush the cluster and
 * count the commands each primary gets, and a slot that another file is moving meanwhile makes a read or
 * a delete take an extra call (its fallback for a slot in migration), which an exact count then reports
 * as a fault. The run starts a few clusters (global-setup.ts); a file takes the first one free when it
 * opens its first TestCluster, and gives it back when it closes the last.
 */
async function holdCluster(): Promise<ClusterNodeAddress[]> {
  const clusters = inject('redisClusters');
  held.opened += 1;
  if (held.opened === 1) {
    held.redis = new Redis(inject('redisUrl'));
    for (let round = 0; held.index < 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      for (let index = 0; index < clusters.length && held.index < 0; index++)
        if ((await held.redis.set(HELD_KEY(index), held.token, 'PX', HELD_MS, 'NX')) === 'OK') held.index = index;
    }
  }
  while (held.index < 0) await new Promise((resolve) => setTimeout(resolve, 100));
  return clusters[held.index] as ClusterNodeAddress[];
}

async function releaseCluster(): Promise<void> {
  held.opened -= 1;
  if (held.opened > 0 || !held.redis) return;
  const { redis, index } = held;
  held.redis = undefined;
  held.index = -1;
  await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    HELD_KEY(index),
    held.token,
  );
  await redis.quit();
}

/** The nodes of the test cluster this spec file holds (holdCluster): for a spec that asks every node. */
export function heldClusterNodes(): ClusterNodeAddress[] {
  const nodes = inject('redisClusters')[held.index];
  if (!nodes) throw new Error('This spec file holds no test cluster: open one with openTestCluster() first.');
  return nodes;
}

/**
 * Clients of a test cluster (see redis-cluster.ts), for this spec file alone until `close()`
 * (holdCluster). A cluster has one database: a spec that needs it empty flushes it (`flushCluster`).
 */
export async function openTestCluster(): Promise<TestCluster> {
  const taken = held.opened === 0;
  const nodes = await holdCluster();
  const clients: Array<Redis | Cluster> = [];
  const connect = (options?: ClusterOptions) => {
    const client = new Cluster(nodes, options);
    clients.push(client);
    return client;
  };
  const client = connect();
  return {
    nodes,
    taken,
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
