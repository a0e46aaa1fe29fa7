import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/release-lock.lua */
export const RELEASE_LOCK = 'release-lock';

/** `record`: where the release is recorded, so that one re-sent after its reply was lost answers 1 again. */
export const packReleaseLockArgs = (lockKey: string, value: string, record: WriteRecordArgs): ScriptCall => ({
  keys: [lockKey, record.key],
  args: [value, String(record.lifetimeMs)],
});

/** 1 if the lock was held with that value and is now released, else 0. */
export const parseReleaseLockReply = (reply: unknown) => reply as number;
