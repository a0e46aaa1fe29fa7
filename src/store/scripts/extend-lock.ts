import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/extend-lock.lua */
export const EXTEND_LOCK = 'extend-lock';

/** `record`: where the extension is recorded, so that one re-sent after its reply was lost extends nothing again. */
export const packExtendLockArgs = (lockKey: string, value: string, leaseMs: number, record: WriteRecordArgs): ScriptCall => ({
  keys: [lockKey, record.key],
  args: [value, String(leaseMs), String(record.lifetimeMs)],
});

/** The server time in ms, or 0 when the lock is not held with that value. */
export const parseExtendLockReply = (reply: unknown) => reply as number;
