import type { Redis } from 'ioredis';
import { isGatewayError, notSupported } from '../../errors.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { decodeAndValidateDocument } from '../../model/document-codec.js';
import type { GatewayScripts } from '../scripts.js';
import type { ReindexDocument } from '../scripts/reindex-batch.js';
import { sha1Of } from '../write-documents.js';
import { indexDefinition, indexEntries, indexKind } from './index-entries.js';
import { FINDERS_ON_CLUSTER } from '../cluster/finders-on-cluster.js';
import { indexKeysAt, singleKeyspace } from '../keyspace.js';
import { isCluster, type RedisClient } from '../redis-client.js';

export interface ReindexProgress {
  /** Documents seen so far, and the count found by the first pass. */
  done: number;
  total: number;
}

export interface CorruptDocument {
  key: string;
  /** Why it does not decode: the CORRUPT_VALUE message. */
  reason: string;
}

export interface ReindexResult {
  indexed: number;
  /**
   * Documents that do not decode with the model (not JSON, or failing its schema, e.g. after a model
   * change): taken out of the indexes, so that finders no longer meet them, and left stored.
   */
  corrupt: number;
  /** The first REPORTED_CORRUPT of them, by key: enough to look into, bounded whatever the database holds. */
  corruptKeys: CorruptDocument[];
  /** Index entries whose document no longer exists. */
  removed: number;
}

const BATCH = 500;
export const REPORTED_CORRUPT = 100;

/**
 * Rebuilds a model's indexes from its documents (SCAN in batches), safe while the gateway serves:
 * each batch is written by a script that indexes a document only if it is still the text just read,
 * since a concurrent write has indexed a newer version itself. A document that no longer decodes is
 * taken out of the indexes the same way, and reported by key.
 */
export async function reindexModel(
  client: RedisClient,
  scripts: GatewayScripts,
  model: ModelDefinition,
  onProgress: (progress: ReindexProgress) => void = () => {},
): Promise<ReindexResult> {
  if (isCluster(client)) throw notSupported(`Reindexing ${model.name}`, ...FINDERS_ON_CLUSTER);
  const redis: Redis = client;
  const prefix = indexPrefixOf(model);
  const indexKeys = indexKeysAt(prefix, fieldSetNames(model));
  const match = `${model.name}:*`;
  let total = 0;
  for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) total += keys.length;

  await dropStaleFieldSets(redis, model);
  const result: ReindexResult = { indexed: 0, corrupt: 0, corruptKeys: [], removed: 0 };
  let done = 0;
  for await (const keys of redis.scanStream({ match, count: BATCH }) as AsyncIterable<string[]>) {
    if (keys.length === 0) continue;
    const texts = await redis.mgetBuffer(keys);
    const batch: ReindexDocument[] = [];
    const corrupt: CorruptDocument[] = [];
    keys.forEach((key, i) => {
      const text = texts[i];
      if (!text) return;
      const pk = key.slice(model.name.length + 1);
      let entries: string;
      try {
        const value = decodeAndValidateDocument(model, key, text.toString('utf8')) as Record<string, unknown>;
        entries = JSON.stringify(indexEntries(model, pk, value));
      } catch (error) {
        if (!isGatewayError(error)) throw error;
        // An empty entry list tells the script to take the document out of the indexes: its old entries
        // would otherwise keep answering finders, as edges with CORRUPT_VALUE.
        entries = '';
        corrupt.push({ key, reason: error.message });
      }
      batch.push({ key, pk, sha1: sha1Of(text), entries });
    });
    if (batch.length > 0) {
      const [indexed, removedPks] = await scripts.reindexBatch(prefix, indexKeys, batch);
      result.indexed += indexed;
      // A document rewritten since it was read was indexed by that write: only those taken out count.
      const removed = new Set(removedPks);
      const takenOut = corrupt.filter(({ key }) => removed.has(key.slice(model.name.length + 1)));
      result.corrupt += takenOut.length;
      result.corruptKeys.push(...takenOut.slice(0, REPORTED_CORRUPT - result.corruptKeys.length));
    }
    done += keys.length;
    onProgress({ done, total: Math.max(total, done) });
  }
  result.removed = await removeEntriesWithoutDocuments(redis, scripts, model);
  await redis.hset(singleKeyspace.metaKey(model.name), 'fields', indexDefinition(model));
  return result;
}

/** Reindexing runs on one Redis only: one index shard per model. */
const indexPrefixOf = (model: ModelDefinition) => singleKeyspace.indexPrefix(model.name, `${model.name}:`);
const fieldSetNames = (model: ModelDefinition) => model.indexed.map((field) => field.name);

/** Fields no longer indexed, or indexed another way, lose their sets; the batches rebuild the rest. */
async function dropStaleFieldSets(redis: Redis, model: ModelDefinition): Promise<void> {
  const prefix = indexPrefixOf(model);
  const stored = await redis.hget(singleKeyspace.metaKey(model.name), 'fields');
  const current = new Set(model.indexed.map((field) => `${field.name} ${indexKind(field)}`));
  const previous = stored ? (JSON.parse(stored) as Array<[string, string]>) : [];
  const stale = previous
    .filter(([name, kind]) => !current.has(`${name} ${kind}`))
    .flatMap(([name]) => [`${prefix}${name}`, `${prefix}${name}:@null`]);
  if (stale.length > 0) await redis.del(...stale);
}

async function removeEntriesWithoutDocuments(redis: Redis, scripts: GatewayScripts, model: ModelDefinition): Promise<number> {
  let removed = 0;
  const prefix = indexPrefixOf(model);
  const indexKeys = indexKeysAt(prefix, fieldSetNames(model));
  for await (const page of redis.zscanStream(`${prefix}@pk`, { count: BATCH }) as AsyncIterable<string[]>) {
    const pks = page.filter((_, i) => i % 2 === 0);
    if (pks.length > 0) removed += await scripts.unindexMissing(prefix, indexKeys, `${model.name}:`, pks);
  }
  return removed;
}
