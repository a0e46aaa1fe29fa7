import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ModelDefinition } from '../model/define-model.js';
import { createRegistry, type Registry } from '../model/registry.js';
import { buildSchema } from '../schema/build-schema.js';
import { checkSetup } from '../store/indexes/check-setup.js';
import type { GatewayContext } from '../schema/builder.js';
import { Store } from '../store/create-store.js';
import type { StoreLimits } from '../store/store-session.js';
import { connectRedis } from './connect-redis.js';
import { exampleQuery } from './example-query.js';
import { gatewayLogger, type LoggerOption } from './gateway-logger.js';
import { GatewayMetrics, type MetricsOptions } from './gateway-metrics.js';
import { useKeyLimit } from './plugins/use-key-limit.js';
import { useMetrics } from './plugins/use-metrics.js';
import { useWriteAuth } from './plugins/use-write-auth.js';
import { RequestLog } from './request-log.js';

export interface GatewayOptions {
  models: readonly ModelDefinition[] | Registry;
  /** A client, or a URL for a client the gateway makes (see connect-redis.ts), owns and closes. */
  redis: Redis | string;
  limits?: Partial<StoreLimits>;
  /** Mutations then need `Authorization: Bearer <writeToken>`. @default process.env.GATEWAY_WRITE_TOKEN */
  writeToken?: string;
  /** Serve GraphiQL on GET /graphql. @default true */
  graphiql?: boolean;
  /**
   * Where logs go: a pino logger, or options for the one the gateway makes, which writes JSON lines to
   * stdout. Each request is logged once with its id (`reqId`), each unexpected error with its request's id.
   * @default { level: 'info' }
   */
  logger?: LoggerOption;
  /** false: no logs at all, whatever `logger` says. @default true */
  logging?: boolean;
  /**
   * Prometheus metrics at `/metrics` (or `metrics.endpoint`), in a registry of the gateway's own. Off by
   * default: they tell anyone who can reach the gateway how it is used and how it fails, so serve them
   * where only the scraper can reach them (`endpoint: false` and `gateway.metrics.registry`), or know
   * that the gateway's port is private.
   * @default false
   */
  metrics?: boolean | MetricsOptions;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  schema: GraphQLSchema;
  store: Store;
  registry: Registry;
  redis: Redis;
  /** The logger every request and unexpected error is logged with. */
  logger: Logger;
  /** The Prometheus metrics, or null when they are off. */
  metrics: GatewayMetrics | null;
  /** Warnings for the operator: eviction policy, indexes built with another definition. See checkSetup. */
  checkRedis(): Promise<string[]>;
  /** Closes the Redis client if the gateway made it. */
  close(): Promise<void>;
}

/** Builds the gateway: registry, store, schema and the Yoga app. Listening is the caller's business. */
export function createGateway(options: GatewayOptions): Gateway {
  const registry = 'resolveKey' in options.models ? options.models : createRegistry(options.models);
  const ownsRedis = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? connectRedis(options.redis) : options.redis;
  const metrics = options.metrics ? new GatewayMetrics(options.metrics === true ? {} : options.metrics) : null;
  const store = new Store({ redis, models: registry, limits: options.limits, events: metrics?.storeEvents });
  const logger = gatewayLogger(options.logger, options.logging);
  const requestLog = new RequestLog(logger);
  const schema = buildSchema(registry);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    // With metrics on, each request's session counts its round trips for them.
    context: ({ request }) => ({ session: store.session(metrics?.eventsFor(request)) }),
    plugins: [
      // The request id first, so that every later step (and its log lines) has it.
      requestLog.plugin,
      // Before any plugin that refuses an operation in onExecute, which would keep it from counting the refusal.
      ...(metrics ? [useMetrics(metrics)] : []),
      // Both run before execution. Auth comes first so that a refused caller learns nothing else about its request.
      useWriteAuth(options.writeToken ?? process.env.GATEWAY_WRITE_TOKEN),
      useKeyLimit(store.limits.maxKeys),
    ],
    graphiql:
      options.graphiql === false
        ? false
        : { defaultQuery: exampleQuery(registry.models.map((model) => model.name)), title: 'redis-model-gateway' },
    logging: requestLog.yogaLogger,
    // Errors with a code were made on purpose; everything else is unexpected: logged with its request id,
    // and answered with a generic message.
    maskedErrors: { maskError: requestLog.maskError },
  });
  return {
    yoga,
    schema,
    store,
    registry,
    redis,
    logger,
    metrics,
    checkRedis: () => checkSetup(redis, registry),
    async close() {
      if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
