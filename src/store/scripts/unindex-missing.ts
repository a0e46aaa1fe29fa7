import type { ScriptCall } from './script-call.js';

/** lua/unindex-missing.lua */
export const UNINDEX_MISSING = 'unindex-missing';

/** `indexKeys`: every index key of the model under `indexPrefix` (keyspace.ts, indexKeysAt), declared with each pk's document key. */
export const packUnindexMissingArgs = (
  indexPrefix: string,
  indexKeys: readonly string[],
  keyPrefix: string,
  pks: readonly string[],
): ScriptCall => ({
  keys: [...pks.map((pk) => keyPrefix + pk), ...indexKeys],
  args: [indexPrefix, keyPrefix, ...pks],
});

/** How many pks lost their entries. */
export const parseUnindexMissingReply = (reply: unknown) => reply as number;
