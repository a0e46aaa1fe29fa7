import type { ClusterSlotNames } from '../keyspace.js';
import type { ScriptCall } from './script-call.js';

/** lua/delete-where-on-node.lua */
export const DELETE_WHERE_ON_NODE = 'delete-where-on-node';

/** One slot's step: the most work and the most instances it may take. */
export interface SlotStep {
  tag: string;
  maxWork: number;
  maxInstances: number;
}

export function packDeleteWhereOnNodeArgs(
  names: ClusterSlotNames,
  keyPrefix: string,
  plan: string,
  recordMs: number,
  steps: readonly SlotStep[],
): ScriptCall {
  const args = [keyPrefix, ...names.indexPrefix, ...names.temporaryPrefix, ...names.writeRecordKey, String(recordMs), plan];
  for (const { tag, maxWork, maxInstances } of steps) args.push(tag, String(maxWork), String(maxInstances));
  return { keys: [], args };
}

/** Per slot, delete-where.lua's reply, or [ELSEWHERE]. */
export const parseDeleteWhereOnNodeReply = (reply: unknown) => reply as number[][];
