import { crossSlot, type GatewayError } from '../../errors.js';
import type { Keyspace } from '../keyspace.js';
import { keySlot } from './key-slot.js';

/**
 * CROSS_SLOT when `documentKeys` fall in more than one slot, else null. Every other key a write touches
 * (index entries, locks, the fencing counter) is placed in its document's slot by the keyspace, so the
 * documents alone decide.
 */
export function crossSlotRefusal(documentKeys: readonly string[], operation: string): GatewayError | null {
  const slotted = documentKeys.map((key) => ({ key, slot: keySlot(key) }));
  const first = slotted[0]?.slot;
  return slotted.some(({ slot }) => slot !== first) ? crossSlot(operation, slotted) : null;
}

/** On a cluster, refuses a write over several slots before anything is sent; one Redis has no slots to span. */
export function assertOneSlot(keyspace: Keyspace, documentKeys: readonly string[], operation: string): void {
  if (!keyspace.cluster) return;
  const refusal = crossSlotRefusal(documentKeys, operation);
  if (refusal) throw refusal;
}
