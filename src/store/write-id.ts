import { randomBytes } from 'node:crypto';
import { badUserInput } from '../errors.js';

/**
 * How long a write's record is kept: it answers a re-send of the write's script, which a client makes
 * once it has found the slot's new primary, within the seconds a failover takes (Redis's
 * cluster-node-timeout is 15 s by default), and a caller's retry with the same write id. A record is some
 * 100 bytes: at 1,000 writes a second, a minute of them holds about 6 MB.
 */
export const WRITE_RECORD_MS = 60_000;

/**
 * A write id names a write's record (keyspace.ts, writeRecordKey). Letters, digits, `_`, `.` and `-`
 * only: no `:`, which separates a PER_SLOT group's slot from its write id, and no braces, which would
 * put a hash tag in the record's key. 64 characters hold a UUID or a client's own idempotency key.
 */
export const WRITE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The caller's write id, checked: BAD_USER_INPUT naming it when it breaks the pattern. */
export function checkWriteId(writeId: string): string {
  if (!WRITE_ID_PATTERN.test(writeId))
    throw badUserInput(
      `writeId "${writeId.slice(0, 80)}" must match ${WRITE_ID_PATTERN.source}: 1 to 64 letters, digits, "_", "." or "-" (a UUID fits).`,
      { writeId: writeId.slice(0, 80) },
    );
  return writeId;
}

/** A write id for a caller who gave none: 64 random bits, so that two writes never share a record, in 16 characters that keep the record small. */
export const newWriteId = () => randomBytes(8).toString('hex');

/** The write id of one PER_SLOT group: the slot is part of it, so that each group has a record of its own. */
export const groupWriteId = (writeId: string, slot: number) => `${writeId}:${slot}`;
