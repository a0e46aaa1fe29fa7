import type { Cluster, Redis } from 'ioredis';

/**
 * What the store talks to: one Redis, or a Redis Cluster. On a cluster reads by key are split per slot
 * and sent per node (see cluster/read-per-node.ts); every other script runs where its first key lives,
 * so a write whose keys span slots is refused by Redis (CROSSSLOT).
 */
export type RedisClient = Redis | Cluster;

export const isCluster = (redis: RedisClient): redis is Cluster => redis.isCluster;

/** The client's command timeout in ms, if it has one: a cluster keeps it in the options of its nodes' clients. */
export const commandTimeoutOf = (redis: RedisClient): number | undefined =>
  isCluster(redis) ? redis.options.redisOptions?.commandTimeout : redis.options.commandTimeout;
