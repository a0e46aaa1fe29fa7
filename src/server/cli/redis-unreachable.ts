import { untilClusterReady } from '../connect-cluster.js';
import { isCluster, type RedisClient } from '../../store/redis-client.js';
import { CliError } from './cli-error.js';
import type { GivenRedis } from './redis-source.js';

/**
 * How long a command waits for a cluster it was told to use: a few connection attempts. One Redis
 * needs no such wait: its client fails each command after a failed connection attempt, while a cluster
 * client holds them until the cluster is reachable, however long that takes.
 */
const clusterWaitMs = (redisTimeoutMs: number) => 5 * redisTimeoutMs;

/** Waits for a cluster's client to be ready (see untilClusterReady); returns at once for one Redis. */
export async function untilRedisReady(redis: RedisClient, redisTimeoutMs: number): Promise<void> {
  if (isCluster(redis)) await untilClusterReady(redis, clusterWaitMs(redisTimeoutMs));
}

/** The CLI's error for a Redis that did not answer, naming it by where it listens (never by a URL, which may hold a password). */
export function redisUnreachable(redis: RedisClient, given: GivenRedis | null, error: unknown): CliError {
  const [what, hint] =
    given && 'cluster' in given
      ? [
          `The Redis Cluster at ${given.cluster.join(',')}`,
          `Check ${given.from}: some nodes of the cluster as host:port[,host:port...], reachable from here.`,
        ]
      : [
          `Redis at ${isCluster(redis) ? '?' : `${redis.options.host}:${redis.options.port}`}`,
          'Check --redis (or $REDIS_URL), or leave both out for an embedded redis-server.',
        ];
  return new CliError(`${what} did not answer: ${(error as Error).message}`, hint, 1, { cause: error });
}
