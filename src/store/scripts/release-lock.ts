import type { ScriptCall } from './script-call.js';

/** lua/release-lock.lua */
export const RELEASE_LOCK = 'release-lock';

export const packReleaseLockArgs = (lockKey: string, value: string): ScriptCall => ({ keys: [lockKey], args: [value] });

/** 1 if the lock was held with that value and is now released, else 0. */
export const parseReleaseLockReply = (reply: unknown) => reply as number;
