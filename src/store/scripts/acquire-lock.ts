import type { ScriptCall } from './script-call.js';

/** lua/acquire-lock.lua */
export const ACQUIRE_LOCK = 'acquire-lock';

export const packAcquireLockArgs = (lockKey: string, fenceKey: string, value: string, leaseMs: number): ScriptCall => ({
  keys: [lockKey, fenceKey],
  args: [value, String(leaseMs)],
});

/** [fencing token, server time in ms] when taken, else [0, pttl left]. */
export const parseAcquireLockReply = (reply: unknown) => reply as [fence: number, serverTimeOrPttl: number];
