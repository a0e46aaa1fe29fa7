/*
 * What reindexing shares on one Redis and on a cluster: reading a batch into what reindex-batch.lua
 * takes, counting its reply, and which field sets an earlier definition left behind.
 */
import { isGatewayError } from '../../errors.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { decodeAndValidateDocument } from '../../model/document-codec.js';
import type { ReindexDocument } from '../scripts/reindex-batch.js';
import { sha1Of } from '../write-documents.js';
import { indexEntries, indexKind } from './index-entries.js';
import { singleKeyspace } from '../keyspace.js';
import type { RedisClient } from '../redis-client.js';

export interface CorruptDocument {
  key: string;
  /** Why it does not decode: the CORRUPT_VALUE message. */
  reason: string;
}

/**
 * What reindex-batch.lua takes for documents just read (`texts[i]` of `keys[i]`, null when gone since):
 * each with its index entries, or with none when it does not decode, so that its old entries stop
 * answering finders; those are also listed, to report.
 */
export function reindexBatchOf(
  model: ModelDefinition,
  keys: readonly string[],
  texts: ReadonlyArray<Buffer | null>,
): { batch: ReindexDocument[]; corrupt: CorruptDocument[] } {
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
      entries = '';
      corrupt.push({ key, reason: error.message });
    }
    batch.push({ key, pk, sha1: sha1Of(text), entries });
  });
  return { batch, corrupt };
}

export interface ReindexProgress {
  /** Documents seen so far, and the count found by the first pass. */
  done: number;
  total: number;
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

export const BATCH = 500;
export const REPORTED_CORRUPT = 100;

export const newResult = (): ReindexResult => ({ indexed: 0, corrupt: 0, corruptKeys: [], removed: 0 });

/** Adds a batch's reply to `result`. A document rewritten since it was read was indexed by that write: only those taken out count as corrupt. */
export function countBatch(
  result: ReindexResult,
  model: ModelDefinition,
  corrupt: readonly CorruptDocument[],
  [indexed, removedPks]: [number, string[]],
): void {
  result.indexed += indexed;
  const removed = new Set(removedPks);
  const takenOut = corrupt.filter(({ key }) => removed.has(key.slice(model.name.length + 1)));
  result.corrupt += takenOut.length;
  result.corruptKeys.push(...takenOut.slice(0, REPORTED_CORRUPT - result.corruptKeys.length));
}

export const fieldSetNames = (model: ModelDefinition) => model.indexed.map((field) => field.name);

/**
 * Fields no longer indexed, or indexed another way, by name: their sets (and `@null` sets) are dropped
 * from every shard, and the batches rebuild the rest. `redis` holds the definition the index was built with.
 */
export async function staleFieldSets(redis: RedisClient, model: ModelDefinition): Promise<string[]> {
  const stored = await redis.hget(singleKeyspace.metaKey(model.name), 'fields');
  const current = new Set(model.indexed.map((field) => `${field.name} ${indexKind(field)}`));
  const previous = stored ? (JSON.parse(stored) as Array<[string, string]>) : [];
  return previous.filter(([name, kind]) => !current.has(`${name} ${kind}`)).map(([name]) => name);
}
