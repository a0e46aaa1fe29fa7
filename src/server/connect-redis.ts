import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { SLOT_COUNT } from '../store/cluster/key-slot.js';
import { isCluster, type RedisClient } from '../store/redis-client.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './redis-timeout.js';

/** Reconnection backs off to this, so that the gateway finds a Redis that came back within about a second. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * Options for a client that fails fast while Redis is gone, and never resends. Give them to a client you
 * pass to createGateway yourself; the client the gateway makes from a URL has them already.
 * - A command sent while Redis is away fails at once (`enableOfflineQueue: false`) instead of waiting for
 *   a reconnection that may never come.
 * - No resending after a reconnect (`autoResendUnfulfilledCommands: false`): a write whose reply was lost
 *   may have been applied, and running it again could answer KEY_EXISTS for our own write, or overwrite a
 *   newer one. The store re-sends a write itself, under the write id whose record answers a send already
 *   applied (store/resend-write.ts), and the caller gets WRITE_OUTCOME_UNKNOWN when every reply was lost.
 * - A command that gets no reply within `timeoutMs` fails (`commandTimeout`): a stopped or hung Redis
 *   keeps the TCP connection open, and nothing else would ever end the wait.
 * - Commands in flight fail as soon as the connection drops (`maxRetriesPerRequest: 0`), not at the timeout.
 * - Reconnection goes on forever, backing off to a second: the gateway recovers by itself.
 */
export function redisClientOptions(timeoutMs = DEFAULT_REDIS_TIMEOUT_MS): RedisOptions {
  return {
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
  };
}

/**
 * The client the gateway makes for itself from a URL, with the options above, except that commands wait
 * for the first connection (bounded by `timeoutMs` per attempt), as callers at startup expect.
 * Connection errors are logged once until the connection is back, not on every reconnect attempt, and
 * name Redis by host and port only: the URL may hold a password.
 */
export function connectRedis(url: string, timeoutMs: number, logger: Logger): Redis {
  const redis = new Redis(url, { ...redisClientOptions(timeoutMs), enableOfflineQueue: true });
  const where = `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.error({ redis: where, error: error.message }, 'redis connection failed');
    down = true;
  });
  redis.on('ready', () => {
    down = false;
    redis.options.enableOfflineQueue = false;
  });
  return redis;
}

/**
 * Answers whether Redis replies to PING within `timeoutMs`, also on a client without a command timeout.
 * On a cluster: whether the client is ready, every slot has a primary in its map, and every primary
 * replies. A primary that is down fails it until its replica has taken over and the client has learnt
 * so: until then the slots it served cannot be read or written.
 */
export async function pingRedis(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  if (!isCluster(redis)) return pingOne(redis, timeoutMs);
  if (redis.status !== 'ready') return false;
  const primaries = new Map(redis.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const owners = new Set<string>();
  for (let slot = 0; slot < SLOT_COUNT; slot++) owners.add(redis.slots[slot]?.[0] ?? '');
  if (owners.has('') || [...owners].some((owner) => !primaries.has(owner))) return false;
  return (await Promise.all([...primaries.values()].map((primary) => pingOne(primary, timeoutMs)))).every(Boolean);
}

async function pingOne(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      redis.ping().then(
        (reply) => reply === 'PONG',
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
