/** How long a Redis command, a connection attempt or a readiness ping may take before it fails. Apart from connect-redis.ts so that the CLI's flags do not load a Redis client. */
export const DEFAULT_REDIS_TIMEOUT_MS = 1000;
