import { checkSetup } from '../../store/indexes/check-setup.js';
import type { RedisClient } from '../../store/redis-client.js';
import { createGateway, type Gateway } from '../create-gateway.js';
import { checkGatewayOptions } from './check-gateway-options.js';
import { chooseModels, loadCheckedModels } from './choose-models.js';
import type { RedisTarget } from './redis-source.js';
import { redisUnreachable, untilRedisReady } from './redis-unreachable.js';
import type { ServeFlags } from './serve-flags.js';
import { gatewayOptionsOf, type ServeSettings } from './serve-options.js';
import { suggestReindex } from './suggest-reindex.js';

/** What serve's startup checks found, for the process the operator started to print once. */
export interface StartupReport {
  /** The names of the models served, in the registry's order. */
  models: string[];
  warnings: string[];
}

export interface PreparedGateway {
  /**
   * Builds the gateway on `redis` (a URL or a cluster's nodes). With `check`, first waits for it (a
   * cluster, bounded) and runs the startup checks against it (one process of serve runs them, whatever
   * the number of workers) and reports them.
   */
  start(redis: RedisTarget, check: boolean): Promise<{ gateway: Gateway<RedisClient>; report: StartupReport }>;
}

/**
 * Everything serve can check before it binds the port and starts Redis: the models (loaded, registered,
 * their schema built) and the gateway options. What it returns builds the gateway once Redis is up.
 */
export async function prepareGateway(flags: ServeFlags, settings: ServeSettings): Promise<PreparedGateway> {
  const choice = chooseModels(flags.values.models, 'serve');
  const { registry } = await loadCheckedModels(choice);
  const gatewayOptions = gatewayOptionsOf(flags, registry, settings);
  checkGatewayOptions(gatewayOptions);
  const given = flags.redis;
  return {
    async start(redis, check) {
      const gateway = createGateway(gatewayOptions(redis));
      const report: StartupReport = { models: registry.models.map((model) => model.name), warnings: [...gateway.warnings] };
      if (!check) return { gateway, report };
      const reindexCommand = suggestReindex(choice, given, flags.dataDir);
      try {
        await untilRedisReady(gateway.redis, flags.redisTimeoutMs);
        report.warnings.push(...(await checkSetup(gateway.redis, gateway.registry, { reindexCommand })));
      } catch (error) {
        await gateway.close();
        throw redisUnreachable(gateway.redis, given, error);
      }
      return { gateway, report };
    },
  };
}
