import { GatewayError, isGatewayError, partiallyWritten, type SlotGroupReport } from '../errors.js';
import type { SlotGroup } from './cluster/slot-groups.js';
import { groupWriteId } from './write-id.js';

/**
 * How a write over keys of several hash slots is committed. ALL: in one script call, or not at all
 * (CROSS_SLOT on a cluster). PER_SLOT: one call per slot, each all or nothing, in ascending slot order.
 */
export type Atomicity = 'ALL' | 'PER_SLOT';

export interface PerSlotCommit<T, R> {
  /** What the caller asked for, as PARTIALLY_WRITTEN names it. */
  operation: string;
  writeId: string;
  /** From groupBySlot: in ascending slot order. */
  groups: ReadonlyArray<SlotGroup<T>>;
  keyOf(item: T): string;
  /** Writes one group in one script call under `writeId`, or throws what kept it from being written. */
  commit(items: T[], writeId: string): Promise<R>;
}

/**
 * Commits each group with a call of its own, in order, and stops at the first that fails: the groups
 * before it are written, and PARTIALLY_WRITTEN reports every group. Each group's write id is
 * `<writeId>:<slot>`, so that the same call again (the same items, the same write id) is answered from
 * the records of the groups already written and writes the rest. A single group, all that one Redis ever
 * has, is committed under `writeId` itself and fails as an ALL write does.
 */
export async function commitPerSlot<T, R>({ operation, writeId, groups, keyOf, commit }: PerSlotCommit<T, R>): Promise<R[]> {
  const [only] = groups;
  if (groups.length === 1 && only) return [await commit(only.items, writeId)];
  const results: R[] = [];
  for (const [at, group] of groups.entries()) {
    const id = groupWriteId(writeId, group.slot ?? 0);
    try {
      results.push(await commit(group.items, id));
    } catch (error) {
      // Nothing written yet: an unexpected error is the caller's to see (and the edge's to log) as it is.
      if (at === 0 && !isGatewayError(error)) throw error;
      // NOT_REPLICATED: the group is on its primary, though no replica acknowledged it in time.
      const landed = isGatewayError(error) && error.code === 'NOT_REPLICATED';
      const reports = groups.map(({ slot, items }, i): SlotGroupReport => ({
        slot,
        keys: items.map(keyOf),
        written: i < at || (i === at && landed),
      }));
      reports[at] = { ...(reports[at] as SlotGroupReport), error: groupError(error, id, writeId) };
      throw Object.assign(partiallyWritten(operation, writeId, reports), { cause: error });
    }
  }
  return results;
}

/** A group's error as reported: its own write id replaced by the whole write's, which is what a retry sends. */
function groupError(error: unknown, groupId: string, writeId: string): NonNullable<SlotGroupReport['error']> {
  if (!(error instanceof GatewayError)) return { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' };
  return { code: error.code, message: error.message.replaceAll(`"${groupId}"`, `"${writeId}"`) };
}
