import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SLOT_COUNT } from './cluster/key-slot.js';
import { slotTag } from './cluster/slot-tags.js';
import type { Keyspace } from './keyspace.js';

/** A generated pk on a cluster: a UUIDv7, then `{tag}`, so that the key hashes to the tag's slot. */
export const taggedPk = (tag: string) => `${uuidv7()}{${tag}}`;

/**
 * Every how many slots one takes generated pks: 16, so 1024 slots in all, spread evenly over the slot
 * range and so over the primaries. A finder page on a cluster costs a few commands per slot that holds
 * the model (docs/cluster.md#finders), so a model whose pks the gateway makes lives in at most 1024
 * slots rather than in all 16384: 16 times less per page, while a slot that moves still carries only
 * 1/1024 of such a model and 1024 primaries could still share it.
 */
export const GENERATED_PK_SLOT_STEP = 16;

/** A random slot of those generated pks are put in. */
export const randomGeneratedPkSlot = () => randomInt(SLOT_COUNT / GENERATED_PK_SLOT_STEP) * GENERATED_PK_SLOT_STEP;

/**
 * The pk generator of one insert. On one Redis, plain UUIDv7s. On a cluster, UUIDv7s followed by one
 * hash tag drawn once per generator, of a random slot among every 16th, so that inserts spread over the
 * cluster: the documents of one call then share a slot, and one script writes them all or none. The
 * UUID has a fixed length, so tagged pks still sort by creation time.
 */
export function newPks(keyspace: Keyspace, slot: number = randomGeneratedPkSlot()): () => string {
  if (!keyspace.cluster) return () => uuidv7();
  const tag = slotTag(slot);
  return () => taggedPk(tag);
}
