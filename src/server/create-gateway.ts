import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLSchema } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ModelDefinition } from '../model/define-model.js';
import { createRegistry, type Registry } from '../model/registry.js';
import { buildSchema } from '../schema/build-schema.js';
import { checkSetup } from '../store/indexes/check-setup.js';
import type { RedisClient } from '../store/redis-client.js';
import type { GatewayContext } from '../schema/builder.js';
import { DEFAULT_LIMITS, Store } from '../store/create-store.js';
import type { StoreLimits } from '../store/store-session.js';
import { createAuthenticator, type AuthOptions } from './authenticate.js';
import { type ClusterNodes, isClusterNodes } from './cluster-nodes.js';
import { connectCluster } from './connect-cluster.js';
import { connectRedis, pingRedis } from './connect-redis.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './redis-timeout.js';
import { RETRY_AFTER_SECONDS } from '../schema/to-graphql-error.js';
import { corsPolicy, type CorsOptions } from './cors-policy.js';
import { graphiqlOptions } from './graphiql-options.js';
import { graphiqlTour } from './graphiql-tour.js';
import { localGraphiQL } from './local-graphiql.js';
import { createParseCache, type ParseCache } from './parse-cache.js';
import { useBodyLimit } from './plugins/use-body-limit.js';
import { useCostEstimate } from './plugins/use-cost-estimate.js';
import { useShapeLimits } from './plugins/use-shape-limits.js';
import { useVariablesDepth } from './plugins/use-variables-depth.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.js';
import { operationAuthorizer, useAuth } from './plugins/use-auth.js';
import { emptyRouteCounts, leanPath, type HandedOver, type RequestListener, type RouteCounts } from './lean-path/lean-path.js';
import { OperationPlans } from './lean-path/operation-plans.js';
import { useCsrfCheck } from './plugins/use-csrf-check.js';
import { useHideSuggestions } from './plugins/use-hide-suggestions.js';
import { useJsonBodiesOnly } from './plugins/use-json-bodies-only.js';
import { gatewayLogger, type LoggerOption } from './gateway-logger.js';
import { GatewayMetrics, type MetricsOptions } from './gateway-metrics.js';
import { useMetrics } from './plugins/use-metrics.js';
import { useOneOfVariables } from './plugins/use-one-of-variables.js';
import { useReadiness } from './plugins/use-readiness.js';
import { RequestLog } from './request-log.js';
import type { WriteConcern } from '../store/write-concern.js';

/** Every numeric limit: the store's (per request) and the server's (per HTTP request and document). */
export type GatewayLimits = StoreLimits & ServerLimits;

export interface GatewayOptions<R extends RedisClient = Redis> {
  models: readonly ModelDefinition[] | Registry;
  /**
   * A client; or a URL, or `{ cluster: ['host:port', ...] }` (some nodes of a Redis Cluster), for a
   * client the gateway makes (see connect-redis.ts and connect-cluster.ts), owns and closes. Prefer
   * `{ cluster }` to a Cluster of your own: the gateway's has the options that keep a write from running
   * twice after a failover (redisClusterOptions). On a cluster, reads go to each node in one round trip
   * of wall-clock time; writes need their keys in one slot.
   */
  redis: R | (R extends Cluster ? ClusterNodes : string);
  /** Each limit left out keeps its default; see StoreLimits, BudgetLimits and ServerLimits. */
  limits?: Partial<GatewayLimits> | undefined;
  /**
   * How long a Redis command, a connection attempt and the `/ready` ping may take, in ms, before the
   * request fails with REDIS_UNAVAILABLE (or WRITE_OUTCOME_UNKNOWN). Applies to the client the gateway
   * makes from a URL or cluster nodes and to `/ready`; a client you pass keeps its own options (see
   * redisClientOptions and redisClusterOptions).
   * @default 1000
   */
  redisTimeoutMs?: number | undefined;
  /**
   * What writes wait for when a mutation's `writeConcern` is left out: PRIMARY, Redis's own
   * acknowledgement, or REPLICA, a replica's too (`WAIT 1` for up to half of `redisTimeoutMs`), else
   * NOT_REPLICATED. See docs/cluster.md. @default 'PRIMARY'
   */
  writeConcern?: WriteConcern | undefined;
  /** A key with every scope, sent as `Authorization: Bearer <writeToken>`. @default process.env.GATEWAY_WRITE_TOKEN */
  writeToken?: string | undefined;
  /**
   * API keys with scopes, and what callers without a key may do. With no key and no write token, every
   * caller may do everything (and `warnings` says so). See store/access.ts for the scope of each operation.
   * @default { apiKeys: [], anonymous: [] }
   */
  auth?: AuthOptions | undefined;
  /** Origins whose pages may call the gateway from a browser. @default closed: no CORS header for any origin */
  cors?: CorsOptions | undefined;
  /**
   * Production defaults: no introspection, no "Did you mean" suggestions, no GraphiQL, unless each is
   * asked for below. @default process.env.NODE_ENV === 'production'
   */
  production?: boolean | undefined;
  /** Answer introspection queries (`__schema`, `__type`). @default !production */
  introspection?: boolean | undefined;
  /** "Did you mean ...?" in validation errors, which tell a caller field names it did not know. @default !production */
  suggestions?: boolean | undefined;
  /**
   * Serve GraphiQL on GET /graphql, from the package's own assets (it needs no network), opening on a tour
   * of the demo shop or, for other models, a query describing them. See docs/graphiql.md. @default !production
   */
  graphiql?: boolean | undefined;
  /**
   * Where logs go: a pino logger, or options for the one the gateway makes, which writes JSON lines to
   * stdout. Each request is logged once with its id (`reqId`), each unexpected error with its request's id.
   * @default { level: 'info' }
   */
  logger?: LoggerOption | undefined;
  /** false: no logs at all, whatever `logger` says. @default true */
  logging?: boolean | undefined;
  /**
   * Log every GraphQL request at info. Without it, a request is logged at info when its response has
   * errors or an HTTP error status, and at debug otherwise: the line costs more CPU than the rest of a
   * small request. @default false
   */
  accessLog?: boolean | undefined;
  /**
   * Prometheus metrics at `/metrics` (or `metrics.endpoint`), in a registry of the gateway's own. Off by
   * default: they tell anyone who can reach the gateway how it is used and how it fails, so serve them
   * where only the scraper can reach them (`endpoint: false` and `gateway.metrics.registry`), or know
   * that the gateway's port is private.
   * @default false
   */
  metrics?: boolean | MetricsOptions | undefined;
  /**
   * Serve Relay's `node(id: ID!): Node` and `nodes(ids: [ID!]!): [Node]!` in place of `node(key:)` and
   * `nodes(keys:)`: a missing id is null with no error, as Relay and Apollo's default errorPolicy expect.
   * Every model has `id` (its key) and implements `Node` either way. See docs/frontends.md.
   * @default false
   */
  relay?: boolean | undefined;
}

export interface Gateway<R extends RedisClient = Redis> {
  /**
   * What to serve over node:http, `createServer(gateway.handler)`: the lean path for the JSON POSTs whose
   * operation it has compiled, Yoga for everything else (see lean-path/lean-path.ts). Same answers, same
   * checks; the lean path only costs less.
   */
  handler: RequestListener;
  /** How many requests `handler` has answered on the lean path, and why each other one went to Yoga. */
  routes: Readonly<RouteCounts>;
  /** The general path alone: serves every request, at Yoga's cost. For fetch-style servers and tests. */
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  schema: GraphQLSchema;
  store: Store;
  registry: Registry;
  redis: R;
  /** Every limit in force, defaults filled in. */
  limits: GatewayLimits;
  /** Yoga's parse and parse-error caches, bounded by `parseCacheBytes` and `parseCacheEntries`. */
  parseCache: ParseCache;
  /** The logger every request and unexpected error is logged with. */
  logger: Logger;
  /** The Prometheus metrics, or null when they are off. */
  metrics: GatewayMetrics | null;
  /** Warnings for the operator: eviction policy, indexes built with another definition. See checkSetup. */
  checkRedis(): Promise<string[]>;
  /** Warnings about the configuration itself, known at startup (mutations open to anyone). */
  warnings: readonly string[];
  /**
   * The context a request executes with, as the Yoga app builds it: a store session holding the caller's
   * access (from the request's headers). For running the schema outside Yoga, e.g. `execute` of graphql-js.
   */
  context(request: Request): GatewayContext;
  /** Closes the Redis client if the gateway made it (from a URL or cluster nodes). */
  close(): Promise<void>;
}

/** Builds the gateway: registry, store, schema and the Yoga app. Listening is the caller's business. */
export function createGateway(options: GatewayOptions): Gateway;
export function createGateway(options: GatewayOptions<Cluster>): Gateway<Cluster>;
export function createGateway(options: GatewayOptions<RedisClient>): Gateway<RedisClient>;
export function createGateway<R extends RedisClient>(options: GatewayOptions<R>): Gateway<R> {
  const registry = 'resolveKey' in options.models ? options.models : createRegistry(options.models);
  const given: RedisClient | string | ClusterNodes = options.redis;
  const ownsRedis = typeof given === 'string' || isClusterNodes(given);
  const logger = gatewayLogger(options.logger, options.logging);
  const redisTimeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  // A URL makes a single-node client and cluster nodes a Cluster client: the overloads give them those types.
  const redis = (
    typeof given === 'string'
      ? connectRedis(given, redisTimeoutMs, logger)
      : isClusterNodes(given)
        ? connectCluster(given, redisTimeoutMs, logger)
        : given
  ) as R;
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const metrics = options.metrics ? new GatewayMetrics(options.metrics === true ? {} : options.metrics) : null;
  const store = new Store({ redis, models: registry, limits, events: metrics?.storeEvents, writeConcern: options.writeConcern });
  const requestLog = new RequestLog(logger, options.accessLog ?? false);
  const schema = buildSchema(registry, { relay: options.relay ?? false });
  const parseCache = createParseCache(limits);
  const authenticator = createAuthenticator(registry, options.auth, options.writeToken ?? process.env.GATEWAY_WRITE_TOKEN);
  const authorize = operationAuthorizer(authenticator, registry);
  const cors = corsPolicy(options.cors);
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const anonymousChanges = authenticator.anonymousScopes.filter((scope) => scope !== 'read');
  const warnings = authenticator.open
    ? [
        'no API key or write token is configured: anyone who can reach the gateway can read, write and delete every model. Set a write token or API keys (--write-token-file, --api-keys-file).',
      ]
    : anonymousChanges.length > 0
      ? [
          `callers without a key hold the ${anonymousChanges.join(', ')} scope${anonymousChanges.length > 1 ? 's' : ''}: anyone who can reach the gateway can change data. Leave only read in auth.anonymous (--anonymous), or none.`,
        ]
      : [];
  // The session carries the caller's access: every read and write checks it, whatever path it comes by.
  // With metrics on, it also counts the request's round trips for them.
  const context = (request: Request): GatewayContext => ({
    session: store.session({ access: authenticator.callerOf(request).access, events: metrics?.eventsFor(request) }),
  });
  const plans = new OperationPlans(schema, registry, limits);
  // A request the lean path began and handed over keeps its session, with what it has read.
  const handedOver = new WeakMap<IncomingMessage, HandedOver>();
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: ({ request, req }: { request: Request; req?: IncomingMessage }) => {
      const begun = req && handedOver.get(req);
      if (!begun) return context(request);
      if (begun.events) metrics?.adopt(request, begun.events);
      return { session: begun.session };
    },
    plugins: [
      // The request id first, so that every later step (and its log lines) has it.
      requestLog.plugin,
      // Before any plugin that refuses in onExecute: it learns the operations Yoga has validated.
      plans.plugin,
      // Before any plugin that refuses an operation, which would keep it from counting the refusal.
      ...(metrics ? [useMetrics(metrics)] : []),
      // `/health` (Yoga's own) says the process is alive; `/ready` says whether it can serve: Redis answers.
      useReadiness({ check: () => pingRedis(redis, redisTimeoutMs), retryAfterSeconds: RETRY_AFTER_SECONDS }),
      // While the request is parsed, before its body is read: what a cross-site page could send is refused.
      // The media type first: the CSRF check leaves every POST to it.
      useJsonBodiesOnly(),
      useCsrfCheck(),
      // Each hook runs at its own stage whatever the order here: the body as it is read, the variables
      // before parsing, tokens while parsing, the shape while validating, the rest before execution.
      useBodyLimit(limits.maxBodyBytes),
      useVariablesDepth(limits.maxVariablesDepth),
      ...useShapeLimits(limits),
      // While the document is validated.
      useOneOfVariables(),
      (options.introspection ?? !production) ? {} : useDisableIntrospection(),
      (options.suggestions ?? !production) ? {} : blockFieldSuggestionsPlugin(),
      (options.suggestions ?? !production) ? {} : useHideSuggestions(),
      // Both run before execution. Auth comes first so that a refused caller learns nothing else about its request.
      useAuth(authenticator, authorize),
      useCostEstimate(limits),
    ],
    maxRequestBodySize: limits.maxBodyBytes,
    parserAndValidationCache: { documentCache: parseCache.documents, errorCache: parseCache.errors },
    // No feature uploads files: a multipart body is only a way for a form to post cross-site.
    multipart: false,
    cors,
    // From the package's own assets, opening on a tour of the served models (see graphiql-options.ts).
    graphiql: (options.graphiql ?? !production) ? graphiqlOptions(graphiqlTour(schema)) : false,
    renderGraphiQL: localGraphiQL(),
    logging: requestLog.yogaLogger,
    // Errors with a code were made on purpose; everything else is unexpected: logged with its request id,
    // and answered with a generic message.
    maskedErrors: { maskError: requestLog.maskError },
  });
  const routes = emptyRouteCounts();
  const handler: RequestListener = leanPath({
    general: yoga,
    plans,
    store,
    authenticator,
    authorize,
    cors,
    limits,
    requestLog,
    handedOver,
    graphqlPath: yoga.graphqlEndpoint,
    routes,
    metrics,
  });
  return {
    handler,
    routes,
    yoga,
    schema,
    store,
    registry,
    redis,
    limits,
    parseCache,
    logger,
    metrics,
    checkRedis: () => checkSetup(redis, registry),
    warnings,
    context,
    async close() {
      if (!ownsRedis || redis.status === 'end') return;
      // A cluster's quit resolves once each node has answered QUIT, before its connections are closed:
      // wait for the client to end, so that whoever closes the gateway next (the CLI's teardown) finds
      // nothing open. A client that cannot say QUIT (reconnecting) is disconnected after the timeout.
      const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
      await redis.quit().catch(() => redis.disconnect());
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), redisTimeoutMs)));
      if ((await Promise.race([ended, late])) === 'late') redis.disconnect();
      clearTimeout(timer);
    },
  };
}
