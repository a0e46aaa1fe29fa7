import type { ClusterSlotNames } from '../keyspace.js';
import type { ScriptCall } from './script-call.js';

/** lua/estimate-where-on-node.lua */
export const ESTIMATE_WHERE_ON_NODE = 'estimate-where-on-node';

/**
 * The shards of `tags` on the node the call is sent to; with `declared` (every index key of one slot's
 * shard and its temporary prefix), the one slot of `tags`, wherever it is served.
 */
export const packEstimateWhereOnNodeArgs = (
  names: ClusterSlotNames,
  plan: string,
  tags: readonly string[],
  declared: readonly string[] = [],
): ScriptCall => ({ keys: declared, args: [...names.indexPrefix, ...names.temporaryPrefix, plan, ...tags] });

/** What one shard would cost: its position in `tags`, the most instances it selects and the work of selecting; `most` is -1 for a slot served elsewhere. */
export interface ShardEstimate {
  position: number;
  most: number;
  work: number;
}

export function parseEstimateWhereOnNodeReply(reply: unknown): { deleteWork: number; shards: ShardEstimate[] } {
  const [deleteWork, ...entries] = reply as [number, ...Array<[number, number, number?]>];
  return { deleteWork, shards: entries.map(([position, most, work = 0]) => ({ position: position - 1, most, work })) };
}
