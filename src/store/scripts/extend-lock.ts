import type { ScriptCall } from './script-call.js';

/** lua/extend-lock.lua */
export const EXTEND_LOCK = 'extend-lock';

export const packExtendLockArgs = (lockKey: string, value: string, leaseMs: number): ScriptCall => ({
  keys: [lockKey],
  args: [value, String(leaseMs)],
});

/** The server time in ms, or 0 when the lock is not held with that value. */
export const parseExtendLockReply = (reply: unknown) => reply as number;
