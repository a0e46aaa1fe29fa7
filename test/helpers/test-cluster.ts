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

/**
 * Clients of the run's test cluster (see redis-cluster.ts). A cluster has one database, shared by every
 * spec that uses it: specs keep to keys of their own.
 */
export async function openTestCluster(): Promise<TestCluster> {
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
