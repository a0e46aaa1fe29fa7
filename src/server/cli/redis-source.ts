import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isGatewayError } from '../../errors.js';
import { parseClusterNodes, type ClusterNodes } from '../cluster-nodes.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../embedded-redis.js';
import { UsageError } from './cli-error.js';
import { dataDirInUse, isRunning, liveHolder, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import type { Teardown } from './teardown.js';

export const DEFAULT_DATA_DIR = './.data/redis';

/** The running serve's embedded Redis is announced here once it serves, so that reindex uses it instead of starting a second one on the same files. */
export const urlFile = (dataDir: string) => join(dataDir, 'gateway-redis.url');

/** What a gateway is built on: a Redis URL, or some nodes of a Redis Cluster. Plain JSON, for serve's workers. */
export type RedisTarget = string | ClusterNodes;

/** A Redis the operator named, with where it came from, so that a suggested command repeats the flag, and only the flag. */
export type GivenRedis =
  { url: string; from: '--redis' | '$REDIS_URL' } | { cluster: string[]; from: '--redis-cluster' | '$REDIS_CLUSTER_NODES' };

export const targetOf = (given: GivenRedis): RedisTarget => ('url' in given ? given.url : { cluster: given.cluster });

/**
 * A Redis the operator named: --redis or --redis-cluster, else $REDIS_URL or $REDIS_CLUSTER_NODES; null
 * means the embedded one. Flags win over the environment; naming both kinds in one place is refused,
 * since either choice could write to the wrong Redis.
 */
export function givenRedis(flags: { redis?: string | undefined; 'redis-cluster'?: string | undefined }): GivenRedis | null {
  const { redis, 'redis-cluster': nodes } = flags;
  if (redis !== undefined && nodes !== undefined)
    throw new UsageError(
      '--redis and --redis-cluster were both given.',
      'Name one Redis: --redis URL for one server, or --redis-cluster host:port,... for a cluster.',
    );
  if (nodes !== undefined) return { cluster: clusterNodesOf(nodes, '--redis-cluster'), from: '--redis-cluster' };
  if (redis) return { url: redis, from: '--redis' };
  const { REDIS_URL: url, REDIS_CLUSTER_NODES: env } = process.env;
  if (url && env)
    throw new UsageError(
      '$REDIS_URL and $REDIS_CLUSTER_NODES are both set.',
      'Unset one of them, or name the Redis with --redis or --redis-cluster, which win over the environment.',
    );
  if (env) return { cluster: clusterNodesOf(env, '$REDIS_CLUSTER_NODES'), from: '$REDIS_CLUSTER_NODES' };
  return url ? { url, from: '$REDIS_URL' } : null;
}

/** `host:port,host:port`, each checked, as a usage error naming the source. */
function clusterNodesOf(list: string, where: string): string[] {
  const cluster = list
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);
  try {
    parseClusterNodes({ cluster }, where);
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    throw new UsageError(error.message, `${where} takes host:port[,host:port...]: one or more nodes of the cluster.`);
  }
  return cluster;
}

/** Locks the data directory for `command`, registering the release with `teardown`; refuses if another process holds it. */
export async function takeDataDir(dataDir: string, command: string, teardown: Teardown): Promise<DataDirLock> {
  const lock = await lockDataDir(dataDir, command);
  teardown.add(() => lock.release());
  return lock;
}

/** Starts the embedded redis-server on a data directory this process holds, registering its stop with `teardown`. */
export async function startOwnRedis(dataDir: string, lock: DataDirLock, teardown: Teardown): Promise<EmbeddedRedis> {
  const embedded = await startEmbeddedRedis({ dir: dataDir });
  teardown.add(() => embedded.stop());
  // Recorded at once: if this process dies, whoever finds the lock sees the redis-server left on the files.
  await lock.update({ redisPid: embedded.pid, redisUrl: embedded.url });
  console.log(`embedded redis-server on ${embedded.url}, data in ${dataDir}`);
  return embedded;
}

/**
 * Where reindex finds Redis: the one named; else the embedded redis-server of the serve that holds the
 * data directory, once it serves; else one of its own on the directory. Anything else holding the
 * directory (a serve still starting, another reindex) is refused, by name.
 */
export async function redisForReindex(given: GivenRedis | null, dataDir: string, teardown: Teardown): Promise<RedisTarget> {
  if (given) return targetOf(given);
  const holder = await liveHolder(dataDir);
  if (holder) {
    const announced = await readFile(urlFile(dataDir), 'utf8').catch(() => null);
    // Only a serve that runs: the redis-server a killed serve left behind is refused, not written to.
    if (holder.command === 'serve' && isRunning(holder.pid) && announced) {
      console.log(`using the redis-server of serve (pid ${holder.pid}) on ${announced.trim()}`);
      return announced.trim();
    }
    throw dataDirInUse(dataDir, holder);
  }
  const lock = await takeDataDir(dataDir, 'reindex', teardown);
  return (await startOwnRedis(dataDir, lock, teardown)).url;
}
