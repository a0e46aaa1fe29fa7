import type { GraphQLSchema } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { ModelDefinition } from '../model/define-model.js';
import { createRegistry, type Registry } from '../model/registry.js';
import { buildSchema } from '../schema/build-schema.js';
import { checkSetup } from '../store/indexes/check-setup.js';
import type { GatewayContext } from '../schema/builder.js';
import { DEFAULT_LIMITS, Store } from '../store/create-store.js';
import type { StoreLimits } from '../store/store-session.js';
import { connectRedis } from './connect-redis.js';
import { exampleQuery } from './example-query.js';
import { createParseCache, type ParseCache } from './parse-cache.js';
import { useBodyLimit } from './plugins/use-body-limit.js';
import { useCostEstimate } from './plugins/use-cost-estimate.js';
import { useShapeLimits } from './plugins/use-shape-limits.js';
import { useVariablesDepth } from './plugins/use-variables-depth.js';
import { useWriteAuth } from './plugins/use-write-auth.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.js';

/** Every numeric limit: the store's (per request) and the server's (per HTTP request and document). */
export type GatewayLimits = StoreLimits & ServerLimits;

export interface GatewayOptions {
  models: readonly ModelDefinition[] | Registry;
  /** A client, or a URL for a client the gateway makes (see connect-redis.ts), owns and closes. */
  redis: Redis | string;
  /** Each limit left out keeps its default; see StoreLimits, BudgetLimits and ServerLimits. */
  limits?: Partial<GatewayLimits>;
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
  /** Every limit in force, defaults filled in. */
  limits: GatewayLimits;
  /** Yoga's parse and parse-error caches, bounded by `parseCacheBytes` and `parseCacheEntries`. */
  parseCache: ParseCache;
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
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const store = new Store({ redis, models: registry, limits });
  const schema = buildSchema(registry);
  const parseCache = createParseCache(limits);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: () => ({ session: store.session() }),
    plugins: [
      // Each hook runs at its own stage whatever the order here: the body as it is read, the variables
      // before parsing, tokens while parsing, the shape while validating, the rest before execution.
      useBodyLimit(limits.maxBodyBytes),
      useVariablesDepth(limits.maxVariablesDepth),
      ...useShapeLimits(limits),
      // Auth comes before the cost estimate so that a refused caller learns nothing else about its request.
      useWriteAuth(options.writeToken ?? process.env.GATEWAY_WRITE_TOKEN),
      useCostEstimate(limits),
    ],
    maxRequestBodySize: limits.maxBodyBytes,
    parserAndValidationCache: { documentCache: parseCache.documents, errorCache: parseCache.errors },
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
    limits,
    parseCache,
    checkRedis: () => checkSetup(redis, registry),
    async close() {
      if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
