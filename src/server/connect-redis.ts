import { Redis } from 'ioredis';

/**
 * The client the gateway makes for itself from a URL.
 * - No resending after a reconnect: a write whose reply was lost may have been applied, and running it
 *   again could answer KEY_EXISTS for our own write, or overwrite a newer one. The caller gets an error.
 * - Requests fail after one retry instead of waiting through twenty while Redis is down.
 * - Connection errors are logged once until the connection is back, not on every reconnect attempt.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) console.error(`redis ${url}: ${error.message}`);
    down = true;
  });
  redis.on('ready', () => (down = false));
  return redis;
}
