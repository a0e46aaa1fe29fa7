import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { inject } from 'vitest';

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
