import { keyExists } from '../errors.js';
import type { Draft } from '../model/define-model.js';
import { groupBySlot } from './cluster/slot-groups.js';
import { commitPerSlot, type Atomicity } from './commit-per-slot.js';
import type { Keyspace } from './keyspace.js';
import type { GatewayScripts } from './scripts.js';
import { newWriteId } from './write-id.js';
import { encodeWrites, writeDocuments, type DocumentWrite, type OnConflict } from './write-documents.js';

export interface InsertOptions {
  /** OVERWRITE replaces existing keys; FAIL writes nothing when one exists (KEY_EXISTS). @default 'OVERWRITE' */
  onConflict?: OnConflict | undefined;
  /**
   * ALL: one atomic write, CROSS_SLOT on a cluster when the keys span slots. PER_SLOT: one atomic write
   * per slot, in ascending slot order; a group that fails stops the rest (PARTIALLY_WRITTEN). @default 'ALL'
   */
  atomicity?: Atomicity | undefined;
  /**
   * Names the write's record for 60 s: the same insert sent again with it is answered from the record
   * and not applied twice. It must name the same keys, so give it drafts with the same pks. @default random
   */
  writeId?: string | undefined;
}

interface InsertContext {
  keyspace: Keyspace;
  maxDocumentBytes: number;
}

/** Writes the drafts as `atomicity` says; returns each one's TTL after the write, in the drafts' order. */
export async function insertDrafts(
  scripts: GatewayScripts,
  drafts: readonly Draft[],
  { keyspace, maxDocumentBytes }: InsertContext,
  { onConflict = 'OVERWRITE', atomicity = 'ALL', writeId = newWriteId() }: InsertOptions,
): Promise<Array<number | null>> {
  const writes: DocumentWrite[] = drafts.map((draft, index) => ({
    index,
    key: draft.key,
    pk: draft.pk,
    model: draft.model,
    value: draft.value,
    expect: onConflict === 'FAIL' ? 'absent' : 'any',
  }));
  const options = { keyspace, operation: 'insertMany', maxDocumentBytes };
  const write = async (group: DocumentWrite[], id: string) => {
    const outcome = await writeDocuments(scripts, group, { ...options, writeId: id });
    if (outcome.status === 'written') return outcome.ttls;
    const refused = group[outcome.index];
    throw keyExists(refused?.key ?? '?', refused?.index ?? outcome.index);
  };
  if (atomicity === 'ALL') return write(writes, writeId);
  // A document too large in a later group would otherwise be found after the earlier groups are written.
  const documents = encodeWrites(writes, maxDocumentBytes);
  const measured = writes.map((each, i) => ({ ...each, encoded: documents[i] as string }));
  const groups = groupBySlot(keyspace, measured, (each) => each.key);
  const written = await commitPerSlot({ operation: 'insertMany', writeId, groups, keyOf: (each) => each.key, commit: write });
  const ttls: Array<number | null> = [];
  groups.forEach((group, g) => group.items.forEach((each, i) => (ttls[each.index ?? 0] = written[g]?.[i] ?? null)));
  return ttls;
}
