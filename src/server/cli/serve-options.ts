import type { Redis } from 'ioredis';
import type { GatewayOptions } from '../create-gateway.js';
import { readCredentials } from './credentials.js';
import { callerNodeEnv } from './node-env.js';
import type { ServeFlags } from './serve-flags.js';
import type { RedisTarget } from './redis-source.js';
import type { RedisClient } from '../../store/redis-client.js';

/** What serve reads from files and the environment, beside its flags, to build a gateway. */
export interface ServeSettings {
  credentials: Awaited<ReturnType<typeof readCredentials>>;
  production: boolean;
}

/**
 * Each process that builds a gateway reads these itself, from the same flags and environment: a
 * worker is forked with the caller's NODE_ENV (workers.ts), so that it tells as the primary does
 * whether the caller set it.
 */
export const readServeSettings = async ({ values }: ServeFlags): Promise<ServeSettings> => ({
  credentials: await readCredentials(values),
  // Not NODE_ENV, which the CLI itself defaults to production for speed (node-env.ts).
  production: values.production ?? callerNodeEnv === 'production',
});

/** The gateway's options from serve's flags, for a Redis client, a URL or a cluster's nodes. */
export const gatewayOptionsOf =
  (flags: ServeFlags, models: GatewayOptions['models'], { credentials, production }: ServeSettings) =>
  (redis: RedisTarget | Redis): GatewayOptions<RedisClient> => {
    const { values, level, limits, redisTimeoutMs } = flags;
    return {
      models,
      redis,
      ...credentials,
      cors: values['cors-origin'] ? { origins: values['cors-origin'] } : undefined,
      production,
      introspection: values.introspection,
      suggestions: values.suggestions,
      graphiql: values.graphiql,
      relay: values.relay,
      limits,
      redisTimeoutMs,
      logger: { level },
      accessLog: values['access-log'],
      metrics: values.metrics,
    };
  };
