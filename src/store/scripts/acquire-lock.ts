import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/acquire-lock.lua */
export const ACQUIRE_LOCK = 'acquire-lock';

/**
 * `record`: where a taken lock's reply is kept, so that an acquisition re-sent after its reply was lost gets its token.
 * `withEpoch`: on a cluster node, answer the node's config epoch too (fencing-token.ts).
 */
export const packAcquireLockArgs = (
  lockKey: string,
  fenceKey: string,
  value: string,
  leaseMs: number,
  record: WriteRecordArgs,
  withEpoch = false,
): ScriptCall => ({
  keys: [lockKey, fenceKey, record.key],
  args: [value, String(leaseMs), String(record.lifetimeMs), withEpoch ? '1' : '0'],
});

/** When taken: the counter, the server time in ms and the node's epoch (0 on one Redis); else the counter is 0 and the time the pttl left. */
export type AcquireLockReply = [counter: number, serverTimeOrPttl: number, epoch: number];

/** A record written before epochs were answered has none: 0, as on one Redis. */
export const parseAcquireLockReply = (reply: unknown): AcquireLockReply => {
  const [counter = 0, serverTimeOrPttl = 0, epoch = 0] = reply as number[];
  return [counter, serverTimeOrPttl, epoch];
};
