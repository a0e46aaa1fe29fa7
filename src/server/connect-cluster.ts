import { Cluster, type ClusterOptions, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type ClusterNodes, parseClusterNodes } from './cluster-nodes.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './redis-timeout.js';

/** Reconnecting to a cluster that is gone backs off to this, as the one-Redis client does. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * Options for a Cluster client with the rules of redisClientOptions: fail fast while a node is gone,
 * and never run a command twice. Give them to a Cluster you pass to createGateway yourself (`new
 * Cluster(nodes, redisClusterOptions())`); the one the gateway makes from `{ cluster: [...] }` has them.
 * - `retryDelayOnFailover: 0`: when a node's connection closes, ioredis re-sends the commands that were
 *   in flight on it after `retryDelayOnFailover` ms, to whichever node then serves their slot, whatever
 *   the node clients' `autoResendUnfulfilledCommands` says. A write script whose reply was lost would
 *   run twice (tried: an INCR script ran twice with the default, once with 0). With 0 the caller gets
 *   the error, and the gateway answers WRITE_OUTCOME_UNKNOWN as it does on one Redis.
 * - `redisOptions`, for the client of each node: a command timeout, a connect timeout, no retry of a
 *   command when its connection drops, no resend after a reconnect. Not `enableOfflineQueue: false`:
 *   the cluster creates its node clients unconnected and sends their first command while they connect,
 *   which a node client without its queue would refuse; the command timeout bounds that wait. And no
 *   `retryStrategy`: a node that went away is not reconnected, the cluster reloads its slot map instead.
 * - `enableOfflineQueue: false` for the cluster itself: a command for a slot whose node is not
 *   connected, or sent while the cluster reconnects, fails at once instead of waiting without bound.
 *   So a client made with these options refuses commands until it is ready: wait for its `ready` event.
 * - MOVED, ASK, TRYAGAIN and CLUSTERDOWN are still followed: Redis answers them before running the
 *   command, so that following them never runs it twice.
 */
export function redisClusterOptions(timeoutMs = DEFAULT_REDIS_TIMEOUT_MS): ClusterOptions {
  return {
    redisOptions: { autoResendUnfulfilledCommands: false, commandTimeout: timeoutMs, connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
    retryDelayOnFailover: 0,
    enableOfflineQueue: false,
    slotsRefreshTimeout: timeoutMs,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
  };
}

/**
 * The Cluster client the gateway makes for itself from `{ cluster: [...] }`, with the options above,
 * except that commands wait for the cluster's first connection, as callers at startup expect (the CLI
 * bounds that wait with untilClusterReady). Each primary's client connects as soon as the slot map names
 * it, not at its first command: the cluster refuses a command to a node still connecting, and a burst of
 * first requests would otherwise meet that. Connection errors are logged once until the cluster is ready again.
 */
export function connectCluster(nodes: ClusterNodes, timeoutMs: number, logger: Logger): Cluster {
  const cluster = new Cluster(parseClusterNodes(nodes), { ...redisClusterOptions(timeoutMs), enableOfflineQueue: true });
  let down = false;
  const failed = (error: Error, node?: string) => {
    if (!down) logger.error({ redis: node ?? nodes.cluster.join(','), error: error.message }, 'redis cluster connection failed');
    down = true;
  };
  cluster.on('error', (error: Error) => failed(error));
  cluster.on('node error', (error: Error, node: string) => failed(error, node));
  cluster.on('+node', (node: Redis) => {
    if (!node.options.readOnly && node.status === 'wait') node.connect().catch(() => {});
  });
  cluster.on('ready', () => {
    down = false;
    cluster.options.enableOfflineQueue = false;
  });
  return cluster;
}

/**
 * Resolves once the cluster is ready and every primary's client is connected (connecting those not yet
 * asked to); rejects with the reason after `timeoutMs`. For startup, which should fail with a message rather than wait for a cluster that
 * is not there.
 */
export async function untilClusterReady(cluster: Cluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no node answered';
  const onError = (error: Error) => (lastError = error.message);
  cluster.on('error', onError);
  cluster.on('node error', onError);
  try {
    for (;;) {
      const primaries = cluster.status === 'ready' ? cluster.nodes('master') : [];
      if (primaries.length > 0 && primaries.every((node) => node.status === 'ready')) return;
      // A cluster connects to a node at its first command; waiting here is for all of them.
      for (const node of primaries) if (node.status === 'wait') node.connect().catch(() => {});
      if (Date.now() >= deadline) throw new Error(`the cluster was not ready within ${timeoutMs} ms (${lastError})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    cluster.off('error', onError);
    cluster.off('node error', onError);
  }
}
