import type { Keyspace } from '../keyspace.js';
import { keySlot } from './key-slot.js';

/** Items whose keys share a hash slot; `slot` is null on one Redis, which has no slots to tell apart. */
export interface SlotGroup<T> {
  slot: number | null;
  items: T[];
}

/**
 * The items grouped by the slot of their key, groups in ascending slot order and items in the caller's
 * order within each: a fixed order, so that a retry of the same items commits the same groups in the
 * same sequence. On one Redis every item is in one group.
 */
export function groupBySlot<T>(keyspace: Keyspace, items: readonly T[], keyOf: (item: T) => string): Array<SlotGroup<T>> {
  if (!keyspace.cluster) return items.length === 0 ? [] : [{ slot: null, items: [...items] }];
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    const inSlot = bySlot.get(slot);
    if (inSlot) inSlot.push(item);
    else bySlot.set(slot, [item]);
  }
  return [...bySlot].sort(([a], [b]) => a - b).map(([slot, inSlot]) => ({ slot, items: inSlot }));
}
