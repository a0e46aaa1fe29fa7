import type { GraphQLSchema } from 'graphql';
import { createYoga, maskError, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { ModelDefinition } from '../model/define-model.js';
import { createRegistry, type Registry } from '../model/registry.js';
import { buildSchema } from '../schema/build-schema.js';
import { checkSetup } from '../store/indexes/check-setup.js';
import type { GatewayContext } from '../schema/builder.js';
import { Store } from '../store/create-store.js';
import type { StoreLimits } from '../store/store-session.js';
import { connectRedis, DEFAULT_REDIS_TIMEOUT_MS, pingRedis } from './connect-redis.js';
import { RETRY_AFTER_SECONDS } from '../schema/to-graphql-error.js';
import { exampleQuery } from './example-query.js';
import { useKeyLimit } from './plugins/use-key-limit.js';
import { useWriteAuth } from './plugins/use-write-auth.js';

export interface GatewayOptions {
  models: readonly ModelDefinition[] | Registry;
  /** A client, or a URL for a client the gateway makes (see connect-redis.ts), owns and closes. */
  redis: Redis | string;
  limits?: Partial<StoreLimits>;
  /**
   * How long a Redis command, a connection attempt and the `/ready` ping may take, in ms, before the
   * request fails with REDIS_UNAVAILABLE (or WRITE_OUTCOME_UNKNOWN). Applies to the client the gateway
   * makes from a URL and to `/ready`; a client you pass keeps its own options (see redisClientOptions).
   * @default 1000
   */
  redisTimeoutMs?: number;
  /** Mutations then need `Authorization: Bearer <writeToken>`. @default process.env.GATEWAY_WRITE_TOKEN */
  writeToken?: string;
  /** Serve GraphiQL on GET /graphql. @default true */
  graphiql?: boolean;
  /** Yoga's logging. @default true */
  logging?: boolean;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  schema: GraphQLSchema;
  store: Store;
  registry: Registry;
  redis: Redis;
  /** Warnings for the operator: eviction policy, indexes built with another definition. See checkSetup. */
  checkRedis(): Promise<string[]>;
  /** Closes the Redis client if the gateway made it. */
  close(): Promise<void>;
}

/** Builds the gateway: registry, store, schema and the Yoga app. Listening is the caller's business. */
export function createGateway(options: GatewayOptions): Gateway {
  const registry = 'resolveKey' in options.models ? options.models : createRegistry(options.models);
  const ownsRedis = typeof options.redis === 'string';
  const redisTimeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const redis = typeof options.redis === 'string' ? connectRedis(options.redis, redisTimeoutMs) : options.redis;
  const store = new Store({ redis, models: registry, limits: options.limits });
  const schema = buildSchema(registry);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: () => ({ session: store.session() }),
    plugins: [
      // `/health` (Yoga's own) says the process is alive; `/ready` says whether it can serve: Redis answers.
      useReadinessCheck({
        endpoint: '/ready',
        check: async ({ fetchAPI }) =>
          (await pingRedis(redis, redisTimeoutMs)) ||
          new fetchAPI.Response('Redis is unavailable', { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } }),
      }),
      // Both run before execution. Auth comes first so that a refused caller learns nothing else about its request.
      useWriteAuth(options.writeToken ?? process.env.GATEWAY_WRITE_TOKEN),
      useKeyLimit(store.limits.maxKeys),
    ],
    graphiql:
      options.graphiql === false
        ? false
        : { defaultQuery: exampleQuery(registry.models.map((model) => model.name)), title: 'redis-model-gateway' },
    logging: options.logging ?? true,
    maskedErrors: {
      maskError(error, message, isDev) {
        // Errors with a code were made on purpose; everything else is unexpected: log it, show a generic message.
        const original = (error as { originalError?: unknown }).originalError;
        if (original !== undefined && !(original instanceof Error && 'extensions' in original)) console.error(original);
        return maskError(error, message, isDev);
      },
    },
  });
  return {
    yoga,
    schema,
    store,
    registry,
    redis,
    checkRedis: () => checkSetup(redis, registry),
    async close() {
      if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
