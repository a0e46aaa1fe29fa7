import type { ScriptCall } from './script-call.js';

/** lua/reindex-batch.lua */
export const REINDEX_BATCH = 'reindex-batch';

export interface ReindexDocument {
  key: string;
  pk: string;
  /** SHA-1 of the text just read: the script acts only if the key still holds it. */
  sha1: string;
  /** Its index entries as JSON, or "" to take a document that does not decode out of the indexes. */
  entries: string;
}

/** `indexKeys`: every index key of the model under `indexPrefix` (keyspace.ts, indexKeysAt), declared after the documents. */
export function packReindexBatchArgs(indexPrefix: string, indexKeys: readonly string[], documents: readonly ReindexDocument[]): ScriptCall {
  const keys: string[] = [];
  const args = [indexPrefix];
  for (const { key, pk, sha1, entries } of documents) {
    keys.push(key);
    args.push(pk, sha1, entries);
  }
  return { keys: [...keys, ...indexKeys], args };
}

export const parseReindexBatchReply = (reply: unknown) => reply as [indexed: number, removedPks: string[]];
