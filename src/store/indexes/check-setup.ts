import type { Registry } from '../../model/registry.js';
import { indexDefinition } from './index-entries.js';
import { singleKeyspace } from '../keyspace.js';
import { isCluster, type RedisClient } from '../redis-client.js';

/** How far startup looks for documents written before a model was indexed (SCAN pages of 1000). */
const SCAN_PAGES = 20;

export interface CheckSetupOptions {
  /**
   * The command that rebuilds a model's indexes, as the operator should run it: the CLI passes one with
   * its own --models and Redis. @default a template naming what the operator must fill in
   */
  reindexCommand?: (modelName: string) => string;
}

const reindexTemplate = (modelName: string) =>
  `redis-model-gateway reindex --model ${modelName} --models <your models file> --redis <this Redis's URL>`;

/**
 * What an operator should know before serving: an eviction policy that may drop documents behind the
 * indexes' back, and models whose stored index was built with another definition (or none).
 * Records the definition of models that have no documents yet. Returns the warnings.
 * On a cluster the eviction policy is asked of one node only, and index definitions are not compared:
 * finders do not run there yet, so no stored index is read.
 */
export async function checkSetup(
  redis: RedisClient,
  registry: Registry,
  { reindexCommand = reindexTemplate }: CheckSetupOptions = {},
): Promise<string[]> {
  const warnings: string[] = [];
  const policy = await redis.config('GET', 'maxmemory-policy').then(
    (reply) => String((reply as string[])[1] ?? ''),
    () => '',
  );
  if (policy.startsWith('allkeys-')) {
    warnings.push(
      `Redis runs maxmemory-policy ${policy}: it may evict documents, locks and index entries. Use noeviction (or a volatile-* policy).`,
    );
  }
  if (isCluster(redis)) return warnings;
  for (const model of registry.models) {
    const metaKey = singleKeyspace.metaKey(model.name);
    const stored = await redis.hget(metaKey, 'fields');
    const current = indexDefinition(model);
    if (stored === current) continue;
    if (stored === null && !(await hasDocuments(redis, model.name))) {
      await redis.hset(metaKey, 'fields', current);
      continue;
    }
    warnings.push(
      `Model ${model.name}: the stored index was built for ${stored ?? 'no index (data written before indexing)'}, the model now indexes ${current}. ` +
        `Finders may miss documents until you run: ${reindexCommand(model.name)}`,
    );
  }
  return warnings;
}

async function hasDocuments(redis: RedisClient, modelName: string): Promise<boolean> {
  if ((await redis.zcard(`${singleKeyspace.indexPrefix(modelName, `${modelName}:`)}@pk`)) > 0) return true;
  let cursor = '0';
  for (let page = 0; page < SCAN_PAGES; page++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${modelName}:*`, 'COUNT', 1000);
    if (keys.length > 0) return true;
    if (next === '0') return false;
    cursor = next;
  }
  return true;
}
