import type { ScriptCall } from './script-call.js';

/** lua/set-ttl.lua */
export const SET_TTL = 'set-ttl';

/** `expiryKey`: the `@expiry` set of the document's indexes. `seconds` 0 removes the TTL. */
export const packSetTtlArgs = (key: string, expiryKey: string, pk: string, seconds: number): ScriptCall => ({
  keys: [key, expiryKey],
  args: [pk, String(seconds)],
});

/** [TTL after the change (-1: none), the document], or [-2] when the key is missing. */
export const parseSetTtlReply = (reply: unknown) => reply as [ttl: number, document?: string];
