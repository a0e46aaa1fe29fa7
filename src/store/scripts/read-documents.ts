import type { ScriptCall } from './script-call.js';

/** lua/read-documents.lua */
export const READ_DOCUMENTS = 'read-documents';

export interface DocumentRead {
  key: string;
  /** Seconds to reset the key's TTL to after reading it; 0 leaves it. */
  refreshSeconds: number;
  indexPrefix: string;
  pk: string;
}

/** Per key, in order: its text or null, and its TTL (-2: not asked or missing, -1: none). */
export type ReadDocumentsReply = Array<[document: string | null, ttl: number]>;

export function packReadDocumentsArgs(reads: readonly DocumentRead[], wantTtl: boolean): ScriptCall {
  const keys: string[] = [];
  const args = [wantTtl ? '1' : '0'];
  for (const { key, refreshSeconds, indexPrefix, pk } of reads) {
    keys.push(key);
    args.push(String(refreshSeconds), indexPrefix, pk);
  }
  return { keys, args };
}

// ioredis already turns each {nil, ttl} into [null, ttl].
export const parseReadDocumentsReply = (reply: unknown) => reply as ReadDocumentsReply;
