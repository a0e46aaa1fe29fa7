import { Redis } from 'ioredis';
import { isGatewayError } from '../../errors.js';
import type { RedisClient } from '../../store/redis-client.js';
import { createGateway, type GatewayOptions } from '../create-gateway.js';
import { CliError } from './cli-error.js';

/**
 * Builds the gateway once against a client that never connects (lazyConnect, no command sent), so that
 * every option createGateway checks (models, API keys, scopes, CORS origins) is refused before the port
 * is bound and Redis is started, rather than after.
 */
export function checkGatewayOptions(options: (redis: Redis) => GatewayOptions<RedisClient>): void {
  const idle = new Redis({ lazyConnect: true });
  try {
    createGateway({ ...options(idle), logging: false, metrics: false });
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    throw new CliError(error.message, 'Check --api-keys-file (or $GATEWAY_API_KEYS_FILE), --anonymous and --cors-origin.', 1, {
      cause: error,
    });
  } finally {
    idle.disconnect();
  }
}
