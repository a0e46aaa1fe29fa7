import type { ScriptCall } from './script-call.js';

/** lua/unindex-missing.lua */
export const UNINDEX_MISSING = 'unindex-missing';

export const packUnindexMissingArgs = (indexPrefix: string, keyPrefix: string, pks: readonly string[]): ScriptCall => ({
  keys: [],
  args: [indexPrefix, keyPrefix, ...pks],
});

/** How many pks lost their entries. */
export const parseUnindexMissingReply = (reply: unknown) => reply as number;
