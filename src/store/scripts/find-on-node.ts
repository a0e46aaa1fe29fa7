import type { ScriptCall } from './script-call.js';

/** lua/find-on-node.lua */
export const FIND_ON_NODE = 'find-on-node';

/** What a finder call on one node reads: the model's shards, the query, and the slots to walk. */
export interface NodeFindArgs {
  mode: 'estimate' | 'page';
  /** A shard's index prefix before and after its slot's tag (keyspace.ts, shardPrefixAround). */
  prefixAround: readonly [string, string];
  /** A temporary set's prefix before and after the slot's tag, random per call. */
  temporaryAround: readonly [string, string];
  keyPrefix: string;
  /** `<slot>:<tag>` per slot, comma-separated. */
  slots: string;
  plan: string;
  order: string;
  /** The cursor's position as JSON, or "". */
  cursor: string;
  first: number;
  count: boolean;
  /** The most work allowed ("page" only). */
  limit: number;
}

export const packFindOnNodeArgs = (call: NodeFindArgs): ScriptCall => ({
  keys: [],
  args: [
    call.mode,
    ...call.prefixAround,
    ...call.temporaryAround,
    call.keyPrefix,
    call.slots,
    call.plan,
    call.order,
    call.cursor,
    String(call.first),
    call.count ? '1' : '0',
    String(call.limit),
  ],
});

/** "estimate": the work, the slots that hold instances, and those elsewhere. */
export interface NodeEstimate {
  work: number;
  /** `<slot>:<tag>` per slot, comma-separated, as `slots` takes them. */
  held: string;
  elsewhere: number[];
}

const slotsIn = (list: unknown) => (typeof list === 'string' && list !== '' ? list.split(',').map(Number) : []);

export function parseNodeEstimate(reply: unknown): NodeEstimate {
  const [, work, held, elsewhere] = reply as [number, number, string, string];
  return { work: Number(work), held: String(held), elsewhere: slotsIn(elsewhere) };
}

/**
 * "page": the status (script-status.ts), then what it carries: the reply of find.lua with the slots
 * elsewhere after has-next-page (see lua/find-on-node.lua). Returned as find.lua's reply and those slots.
 */
export function parseNodePage(reply: unknown): { reply: Array<string | number | null>; elsewhere: number[] } {
  const values = reply as Array<string | number | null>;
  if (values.length < 5) return { reply: values, elsewhere: [] };
  return { reply: [...values.slice(0, 4), ...values.slice(5)], elsewhere: slotsIn(values[4]) };
}
