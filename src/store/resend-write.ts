import { setTimeout as sleep } from 'node:timers/promises';
import { isGatewayError, lostReplyReasonOf, writeOutcomeStillUnknown, type GatewayError } from '../errors.js';
import { WRITE_RECORD_MS } from './write-id.js';

/**
 * The pauses before each re-send of a write whose reply was lost, in ms: three sends in all. A lost
 * connection is back within the first pause or two (the client reconnects after 50 ms and backs off),
 * and the whole stays within a default command timeout (1 s), so a request that meets a dropped
 * connection is answered about as late as one whose command timed out.
 */
export const RESEND_PAUSES_MS = [100, 300] as const;

const isCode = (error: unknown, code: GatewayError['code']): error is GatewayError => isGatewayError(error) && error.code === code;

/**
 * Sends a write script, and sends it again while its outcome is unknown (WRITE_OUTCOME_UNKNOWN), each
 * time with the same write id: the script answers its record when an earlier send was applied, so the
 * caller gets the real outcome and the write happens once. A re-send refused unsent (REDIS_UNAVAILABLE)
 * leaves the outcome as unknown as before. When every send failed so, the error carries the write id, for
 * the caller to retry with while the record lives.
 * Only for a script whose every call carries a record under `writeId`: anything else must not be re-sent.
 */
export async function sendUntilOutcomeKnown<T>(
  writeId: string,
  send: () => Promise<T>,
  pauses: readonly number[] = RESEND_PAUSES_MS,
): Promise<T> {
  let unknown: GatewayError | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (isCode(error, 'WRITE_OUTCOME_UNKNOWN')) unknown = error;
      else if (!(unknown && isCode(error, 'REDIS_UNAVAILABLE'))) throw error;
      const pause = pauses[attempt];
      if (pause === undefined) throw writeOutcomeStillUnknown(lostReplyReasonOf(unknown), writeId, attempt + 1, WRITE_RECORD_MS / 1000);
      await sleep(pause);
    }
  }
}
