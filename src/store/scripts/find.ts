import type { ScriptCall } from './script-call.js';

/** lua/find.lua */
export const FIND = 'find';

/**
 * `args`: index prefix, key prefix, temp prefix, plan, order, cursor or "", first, "1" to count,
 * refresh seconds, the most work: as lua/find.lua names them. `keys`: none on one Redis; on a cluster,
 * the shard's `@pk` and the call's first temporary set, which route the call to the shard's slot.
 */
export const packFindArgs = (args: readonly string[], keys: readonly string[] = []): ScriptCall => ({ keys, args });

/** The status (script-status.ts) first, then what that status carries: see lua/find.lua. */
export const parseFindReply = (reply: unknown) => reply as Array<string | number | null>;
