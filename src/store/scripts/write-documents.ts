import type { ScriptCall } from './script-call.js';

/** lua/write-documents.lua */
export const WRITE_DOCUMENTS = 'write-documents';

export interface DocumentWriteArgs {
  key: string;
  /** "any", "absent", or "sha1:<hex>" of the text the document must still be. */
  expect: string;
  /** The encoded document: Lua only stores it. */
  document: string;
  /** The model's ttl in seconds; 0 for none. */
  ttl: number;
  refreshTtl: boolean;
  indexPrefix: string;
  pk: string;
  /** Its index entries, as JSON. */
  entries: string;
  /** Every index key writing it may touch (keyspace.ts, indexKeysAt): declared, never addressed by the script. */
  indexKeys: readonly string[];
}

export interface LockCheckArgs {
  lockKey: string;
  value: string;
}

/** Indexes are 0-based positions in the documents (or locks, for lockLost) the call named. */
export type WriteOutcome =
  | { status: 'written'; ttls: Array<number | null> }
  | { status: 'exists' | 'changed' | 'gone'; index: number }
  | { status: 'lockLost'; index: number };

const STATUSES = ['written', 'exists', 'lockLost', 'changed', 'gone'] as const;

/** A write's record (write-documents.lua): the key it is kept under, in the documents' slot, and for how long. */
export interface WriteRecordArgs {
  key: string;
  lifetimeMs: number;
}

export function packWriteDocumentsArgs(
  documents: readonly DocumentWriteArgs[],
  locks: readonly LockCheckArgs[],
  record?: WriteRecordArgs,
): ScriptCall {
  const keys: string[] = [];
  const indexKeys = new Set<string>();
  const args = [String(documents.length), String(locks.length)];
  for (const { key, expect, document, ttl, refreshTtl, indexPrefix, pk, entries, indexKeys: touched } of documents) {
    keys.push(key);
    args.push(expect, document, String(ttl), refreshTtl ? '1' : '0', indexPrefix, pk, entries);
    for (const indexKey of touched) indexKeys.add(indexKey);
  }
  for (const { lockKey, value } of locks) {
    keys.push(lockKey);
    args.push(value);
  }
  args.push(String(record?.lifetimeMs ?? 0));
  return { keys: [...keys, ...indexKeys, ...(record ? [record.key] : [])], args };
}

export function parseWriteDocumentsReply(reply: unknown): WriteOutcome {
  const [code = 0, ...rest] = reply as number[];
  const status = STATUSES[code] ?? 'written';
  if (status === 'written') return { status, ttls: rest.map((ttl) => (ttl < 0 ? null : ttl)) };
  return { status, index: (rest[0] ?? 1) - 1 };
}
