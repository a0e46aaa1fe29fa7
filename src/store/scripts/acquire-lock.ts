import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/acquire-lock.lua */
export const ACQUIRE_LOCK = 'acquire-lock';

/** `record`: where a taken lock's reply is kept, so that an acquisition re-sent after its reply was lost gets its token. */
export const packAcquireLockArgs = (
  lockKey: string,
  fenceKey: string,
  value: string,
  leaseMs: number,
  record: WriteRecordArgs,
): ScriptCall => ({
  keys: [lockKey, fenceKey, record.key],
  args: [value, String(leaseMs), String(record.lifetimeMs)],
});

/** [fencing token, server time in ms] when taken, else [0, pttl left]. */
export const parseAcquireLockReply = (reply: unknown) => reply as [fence: number, serverTimeOrPttl: number];
