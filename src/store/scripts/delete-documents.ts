import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/delete-documents.lua */
export const DELETE_DOCUMENTS = 'delete-documents';

export interface DocumentDeleteArgs {
  key: string;
  /** Its model's index prefix. */
  indexPrefix: string;
  pk: string;
  /** Every index key deleting it may touch (keyspace.ts, indexKeysAt): declared, never addressed by the script. */
  indexKeys: readonly string[];
}

export function packDeleteDocumentsArgs(documents: readonly DocumentDeleteArgs[], record?: WriteRecordArgs): ScriptCall {
  const keys: string[] = [];
  const indexKeys = new Set<string>();
  const args = [String(record?.lifetimeMs ?? 0)];
  for (const { key, indexPrefix, pk, indexKeys: touched } of documents) {
    keys.push(key);
    args.push(indexPrefix, pk);
    for (const indexKey of touched) indexKeys.add(indexKey);
  }
  return { keys: [...keys, ...indexKeys, ...(record ? [record.key] : [])], args };
}

/** Per key, in order: 1 if it existed, else 0. */
export const parseDeleteDocumentsReply = (reply: unknown) => reply as number[];
