import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, RedisServerFailedError, startEmbeddedRedis, type EmbeddedRedis } from '../../src/server/embedded-redis.js';
import { SLOT_COUNT } from '../../src/store/cluster/key-slot.js';

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface TestRedisCluster {
  /** Every node, primaries first; any of them serves as a startup node for an ioredis Cluster. */
  nodes: ClusterNodeAddress[];
  /** Each node's redis-server process id, by port: to pause (SIGSTOP) or kill one in a failover spec. */
  pids: Map<number, number>;
  stop(): Promise<void>;
}

const PRIMARIES = 3;
const REPLICAS_PER_PRIMARY = 1;
const READY_WITHIN_MS = 30_000;

/**
 * A Redis Cluster of 3 primaries and 3 replicas on free loopback ports in a throw-away directory, up
 * once every node reports cluster_state:ok and every node's slot map covers all 16384 slots, each range
 * with its replica: clients that ask any node then see the same, complete layout.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-test-cluster-'));
  const count = PRIMARIES * (1 + REPLICAS_PER_PRIMARY);
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startNode(join(dir, String(i)))));
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
    const addresses = nodes.map(({ host, port }) => `${host}:${port}`);
    // redis-cli makes the first addresses primaries, and gives each a replica from the rest.
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(REPLICAS_PER_PRIMARY),
      '--cluster-yes',
    ]);
    await untilConverged(nodes);
    return { nodes, pids: new Map(servers.map((server) => [server.port, server.pid])), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One cluster node. Its bus port is chosen too: by default it is the port + 10000, which does not exist
 * for the upper ports the OS hands out. Both are probed, so another process may take one first: retry.
 */
async function startNode(dir: string): Promise<EmbeddedRedis> {
  for (let attempt = 1; ; attempt++) {
    const [port, busPort] = await Promise.all([freePort(), freePort()]);
    if (port === busPort) continue;
    try {
      return await startEmbeddedRedis({
        dir,
        port,
        appendOnly: false,
        args: [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')],
          ...['--cluster-node-timeout', '3000', '--cluster-port', String(busPort)],
          // CLUSTER SLOTS lists a replica only once its replication offset is above 0, and with no
          // writes only the primary's pings move it: every 10 s by default. A first sync would also
          // wait 5 s for more replicas to share it.
          ...['--repl-ping-replica-period', '1', '--repl-diskless-sync-delay', '0'],
        ],
      });
    } catch (error) {
      const portTaken = error instanceof RedisServerFailedError && error.output.includes('Address already in use');
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

const untilConverged = (nodes: readonly ClusterNodeAddress[]) =>
  untilEveryNode(nodes, converged, `The test cluster did not converge within ${READY_WITHIN_MS} ms.`);

/**
 * Asks every node `holds` every 50 ms until each answers true; throws `failure` after READY_WITHIN_MS.
 * The nodes of a cluster learn changes by gossip, one after the other.
 */
export async function untilEveryNode(
  nodes: readonly ClusterNodeAddress[],
  holds: (node: Redis) => Promise<boolean>,
  failure: string,
): Promise<void> {
  const clients = nodes.map(({ host, port }) => new Redis({ host, port, lazyConnect: true }));
  const deadline = Date.now() + READY_WITHIN_MS;
  try {
    while (!(await Promise.all(clients.map(holds))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error(failure);
      await sleep(50);
    }
  } finally {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

async function converged(client: Redis): Promise<boolean> {
  const info = await client.cluster('INFO');
  if (!info.includes('cluster_state:ok') || !info.includes(`cluster_slots_ok:${SLOT_COUNT}`)) return false;
  const ranges = (await client.cluster('SLOTS')) as Array<[number, number, ...unknown[]]>;
  const served = ranges
    .filter((range) => range.length - 2 === 1 + REPLICAS_PER_PRIMARY)
    .reduce((sum, [start, end]) => sum + end - start + 1, 0);
  return served === SLOT_COUNT;
}
