import type { Redis } from 'ioredis';
import type { ModelDefinition } from '../../model/define-model.js';
import type { GatewayScripts } from '../scripts.js';
import { indexDefinition } from './index-entries.js';
import { indexKeysAt, singleKeyspace } from '../keyspace.js';
import { isCluster, type RedisClient } from '../redis-client.js';
import {
  BATCH,
  countBatch,
  fieldSetNames,
  newResult,
  reindexBatchOf,
  staleFieldSets,
  type CorruptDocument,
  type ReindexProgress,
  type ReindexResult,
} from './reindex-parts.js';
import { reindexOnCluster } from './reindex-on-cluster.js';

export { REPORTED_CORRUPT } from './reindex-parts.js';
export type { CorruptDocument, ReindexProgress, ReindexResult };

/**
 * Rebuilds a model's indexes from its documents (SCAN in batches), safe while the gateway serves:
 * each batch is written by a script that indexes a document only if it is still the text just read,
 * since a concurrent write has indexed a newer version itself. A document that no longer decodes is
 * taken out of the indexes the same way, and reported by key. On a cluster every primary is scanned
 * and each slot's shard rebuilt by its own calls (reindex-on-cluster.ts).
 */
export async function reindexModel(
  client: RedisClient,
  scripts: GatewayScripts,
  model: ModelDefinition,
  onProgress: (progress: ReindexProgress) => void = () => {},
): Promise<ReindexResult> {
  if (isCluster(client)) return reindexOnCluster(client, scripts, model, onProgress);
  const redis: Redis = client;
  const prefix = singleKeyspace.indexPrefix(model.name, `${model.name}:`);
  const indexKeys = indexKeysAt(prefix, fieldSetNames(model));
  const match = `${model.name}:*`;
  let total = 0;
  for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) total += keys.length;

  const stale = await staleFieldSets(redis, model);
  if (stale.length > 0) await redis.del(...stale.flatMap((name) => [`${prefix}${name}`, `${prefix}${name}:@null`]));
  const result = newResult();
  let done = 0;
  for await (const keys of redis.scanStream({ match, count: BATCH }) as AsyncIterable<string[]>) {
    if (keys.length === 0) continue;
    const { batch, corrupt } = reindexBatchOf(model, keys, await redis.mgetBuffer(keys));
    if (batch.length > 0) countBatch(result, model, corrupt, await scripts.reindexBatch(prefix, indexKeys, batch));
    done += keys.length;
    onProgress({ done, total: Math.max(total, done) });
  }
  result.removed = await removeEntriesWithoutDocuments(redis, scripts, model);
  await redis.hset(singleKeyspace.metaKey(model.name), 'fields', indexDefinition(model));
  return result;
}

async function removeEntriesWithoutDocuments(redis: Redis, scripts: GatewayScripts, model: ModelDefinition): Promise<number> {
  let removed = 0;
  const prefix = singleKeyspace.indexPrefix(model.name, `${model.name}:`);
  const indexKeys = indexKeysAt(prefix, fieldSetNames(model));
  for await (const page of redis.zscanStream(`${prefix}@pk`, { count: BATCH }) as AsyncIterable<string[]>) {
    const pks = page.filter((_, i) => i % 2 === 0);
    if (pks.length > 0) removed += await scripts.unindexMissing(prefix, indexKeys, `${model.name}:`, pks);
  }
  return removed;
}
