import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { reindexModel, type ReindexResult } from '../../store/indexes/reindex.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../redis-timeout.js';
import { createGateway } from '../create-gateway.js';
import { chooseModels, loadCheckedModels, pickModels } from './choose-models.js';
import { GLOBAL_FLAGS, parsingFlags } from './parse-flags.js';
import { DEFAULT_DATA_DIR, givenRedis, redisForReindex } from './redis-source.js';
import { redisUnreachable, untilRedisReady } from './redis-unreachable.js';
import { milliseconds } from './serve-flags.js';
import { withTeardown } from './teardown.js';

const REINDEX_OPTIONS = {
  ...GLOBAL_FLAGS,
  models: { type: 'string' },
  model: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'string' },
  'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
  'redis-timeout-ms': { type: 'string', default: String(DEFAULT_REDIS_TIMEOUT_MS) },
} as const;

/** The final count of a model, then each document taken out of the indexes because it does not decode, by key. */
export function reindexReport(modelName: string, result: ReindexResult): string {
  const lines = [
    `${modelName}: ${result.indexed} indexed, ${result.removed} stale entries removed, ${result.corrupt} not decodable (taken out of the indexes)`,
    ...result.corruptKeys.map(({ key, reason }) => `  not decodable: ${key}: ${reason}`),
  ];
  const unlisted = result.corrupt - result.corruptKeys.length;
  if (unlisted > 0) lines.push(`  and ${unlisted} more not decodable`);
  return lines.join('\n');
}

/**
 * `reindex`: rebuilds the indexes of the models named, in the Redis named (one server or a cluster) or
 * the one serve runs on the data directory.
 */
export async function reindex(argv: string[]): Promise<void> {
  const values = parsingFlags('reindex', () => parseArgs({ args: argv, options: REINDEX_OPTIONS }).values);
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const given = givenRedis(values);
  const choice = chooseModels(values.models, 'reindex');
  const { registry } = await loadCheckedModels(choice);
  const chosen = pickModels(registry, values.model, choice);

  await withTeardown(async (teardown) => {
    const redis = await redisForReindex(given, values['data-dir'], teardown);
    const gateway = createGateway({ models: registry, redis, logging: false, redisTimeoutMs });
    teardown.add(() => gateway.close());
    await untilRedisReady(gateway.redis, redisTimeoutMs).catch((error: unknown) => {
      throw redisUnreachable(gateway.redis, given, error);
    });
    for (const model of chosen) {
      const bar = new SingleBar(
        { format: `${model.name.padEnd(12)} [{bar}] {value}/{total} documents`, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(0, 0);
      const result = await reindexModel(gateway.redis, gateway.store.scripts, model, ({ done, total }) => {
        bar.setTotal(total);
        bar.update(done);
      });
      bar.stop();
      console.log(reindexReport(model.name, result));
    }
  });
}
