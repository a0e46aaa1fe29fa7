import type { Redis } from 'ioredis';
import type { GatewayOptions } from '../create-gateway.js';
import { readCredentials } from './credentials.js';
import { callerNodeEnv } from './node-env.js';
import type { ServeFlags } from './serve-flags.js';
import type { RedisTarget } from './redis-source.js';
import type { RedisClient } from '../../store/redis-client.js';

/** What serve reads from files and the environment, beside its flags, to build a gateway: plain data, sent to workers as it is. */
export interface ServeSettings {
  credentials: Awaited<ReturnType<typeof readCredentials>>;
  production: boolean;
}

/** Read once, by the process the operator started, and sent to its workers: a token file may be readable only once. */
export const readServeSettings = async ({ values }: ServeFlags): Promise<ServeSettings> => ({
  credentials: await readCredentials(values),
  // Not NODE_ENV, which the CLI itself defaults to production for speed (node-env.ts).
  production: values.production ?? callerNodeEnv === 'production',
});

/** The gateway's options from serve's flags, for a Redis client, a URL or a cluster's nodes. */
export const gatewayOptionsOf =
  (flags: ServeFlags, models: GatewayOptions['models'], { credentials, production }: ServeSettings) =>
  (redis: RedisTarget | Redis): GatewayOptions<RedisClient> => {
    const { values, level, limits, redisTimeoutMs, writeConcern } = flags;
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
      writeConcern,
      logger: { level },
      accessLog: values['access-log'],
      metrics: values.metrics,
    };
  };
