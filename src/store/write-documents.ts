import { createHash } from 'node:crypto';
import type { ModelDefinition } from '../model/define-model.js';
import { encodeDocument } from '../model/document-codec.js';
import { valueTooLarge } from '../errors.js';
import { indexEntries } from './indexes/index-entries.js';
import { assertOneSlot } from './cluster/one-slot.js';
import { indexKeysAt, type Keyspace } from './keyspace.js';
import { sendUntilOutcomeKnown } from './resend-write.js';
import type { GatewayScripts } from './scripts.js';
import { newWriteId, WRITE_RECORD_MS } from './write-id.js';
import type { WriteOutcome, WriteRecordArgs } from './scripts/write-documents.js';

export type OnConflict = 'OVERWRITE' | 'FAIL';

/** What a document must be just before it is written: anything, absent, or still the text that was read. */
export type Expectation = 'any' | 'absent' | { unchangedFrom: Buffer };

export interface DocumentWrite {
  /** The document's position in the caller's input, named in a refusal. */
  index?: number;
  key: string;
  pk: string;
  model: ModelDefinition;
  /** The validated value: encoded here, in Node, never in Lua; its index entries computed here too. */
  value: Readonly<Record<string, unknown>>;
  expect: Expectation;
  /** `value` as encodeWrites encoded and measured it already, for a write committed in several calls. */
  encoded?: string;
}

/** A lock that must still be held, with the value its holder set, for the write to happen. */
export interface LockCheck {
  /** The document the lock is on: its lock key lives in that document's slot. */
  documentKey: string;
  lockKey: string;
  value: string;
}

export type { WriteOutcome };

/** Every index key a write or delete of a `model` document under `prefix` may touch. */
export const indexKeysOf = (model: ModelDefinition, prefix: string) =>
  indexKeysAt(
    prefix,
    model.indexed.map((field) => field.name),
  );

export const sha1Of = (text: Buffer) => createHash('sha1').update(text).digest('hex');

/**
 * A fresh write id for one script call, and where its record goes, in the slot of `documentKey`: a
 * client that re-sends this very command after a failover sends the same id, and gets the record.
 */
export const newWriteRecord = (keyspace: Keyspace, documentKey: string, writeId = newWriteId()): WriteRecordArgs => ({
  key: keyspace.writeRecordKey(documentKey, writeId),
  lifetimeMs: WRITE_RECORD_MS,
});

export interface WriteOptions {
  keyspace: Keyspace;
  /** What the caller asked for, as a refusal names it ("insertMany", "withLocks"). */
  operation: string;
  maxDocumentBytes: number;
  locks?: readonly LockCheck[] | undefined;
  /** Names the write's record: the caller's, to retry a write whose outcome it did not learn. @default a random one */
  writeId?: string | undefined;
}

/**
 * Every document encoded and measured before a script runs: one too large (VALUE_TOO_LARGE), and
 * nothing is written. A write in several calls measures them all before the first.
 */
export function encodeWrites(writes: readonly DocumentWrite[], maxDocumentBytes: number): string[] {
  return writes.map(({ key, index, value, encoded }) => {
    if (encoded !== undefined) return encoded;
    const document = encodeDocument(value);
    const size = Buffer.byteLength(document);
    if (size > maxDocumentBytes) throw valueTooLarge(key, size, maxDocumentBytes, index === undefined ? {} : { index });
    return document;
  });
}

/**
 * Writes every document and its TTL in one script call, after checking every lock and expectation:
 * all of them, or none. Every write path of the gateway goes through here, so atomicity has one home.
 * On a cluster that home is one slot: documents in several are CROSS_SLOT before anything is sent.
 */
export async function writeDocuments(
  scripts: GatewayScripts,
  writes: readonly DocumentWrite[],
  { keyspace, operation, maxDocumentBytes, locks = [], writeId = newWriteId() }: WriteOptions,
): Promise<WriteOutcome> {
  assertOneSlot(keyspace, [...writes.map((write) => write.key), ...locks.map((lock) => lock.documentKey)], operation);
  const documents = encodeWrites(writes, maxDocumentBytes);
  const args = writes.map(({ key, model, pk, value, expect }, i) => {
    const prefix = keyspace.indexPrefix(model.name, key);
    return {
      key,
      expect: typeof expect === 'string' ? expect : `sha1:${sha1Of(expect.unchangedFrom)}`,
      document: documents[i] as string,
      ttl: model.ttl ?? 0,
      refreshTtl: model.refreshTtl,
      indexPrefix: prefix,
      pk,
      entries: JSON.stringify(indexEntries(model, pk, value)),
      indexKeys: indexKeysOf(model, prefix),
    };
  });
  const record = writes[0] && newWriteRecord(keyspace, writes[0].key, writeId);
  // Only a call with a record may be sent again: its record answers a send that was already applied.
  if (!record) return scripts.writeDocuments(args, locks);
  return sendUntilOutcomeKnown(writeId, () => scripts.writeDocuments(args, locks, record));
}
