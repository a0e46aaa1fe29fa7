import type { Redis } from 'ioredis';
import type { GatewayOptions } from '../create-gateway.js';
import type { readCredentials } from './credentials.js';
import type { ServeFlags } from './serve-flags.js';

/** What serve read once and hands to every process that builds a gateway: plain data, sent to workers as it is. */
export interface ServeSettings {
  credentials: Awaited<ReturnType<typeof readCredentials>>;
  /**
   * Resolved by the process the operator started: a worker inherits the NODE_ENV the CLI defaults to
   * production (node-env.ts), and could no longer tell whether the caller set it.
   */
  production: boolean;
}

/** The gateway's options from serve's flags, for a Redis client or URL. */
export const gatewayOptionsOf =
  (flags: ServeFlags, models: GatewayOptions['models'], { credentials, production }: ServeSettings) =>
  (redis: string | Redis): GatewayOptions => {
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
