import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SLOT_COUNT } from './cluster/key-slot.js';
import { slotTag } from './cluster/slot-tags.js';
import type { Keyspace } from './keyspace.js';

/** A generated pk on a cluster: a UUIDv7, then `{tag}`, so that the key hashes to the tag's slot. */
export const taggedPk = (tag: string) => `${uuidv7()}{${tag}}`;

/**
 * The pk generator of one insert. On one Redis, plain UUIDv7s. On a cluster, UUIDv7s followed by one
 * hash tag drawn once per generator, from a random slot so that inserts spread over the cluster: the
 * documents of one call then share a slot, and one script writes them all or none. The UUID has a
 * fixed length, so tagged pks still sort by creation time.
 */
export function newPks(keyspace: Keyspace, slot: number = randomInt(SLOT_COUNT)): () => string {
  if (!keyspace.cluster) return () => uuidv7();
  const tag = slotTag(slot);
  return () => taggedPk(tag);
}
