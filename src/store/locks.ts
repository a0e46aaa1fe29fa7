import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { badUserInput, isGatewayError, lockLost, lockTimeout, lockNotReplicated } from '../errors.js';
import { fencingToken } from './fencing-token.js';
import type { Keyspace } from './keyspace.js';
import type { GatewayScripts } from './scripts.js';
import { sendUntilOutcomeKnown } from './resend-write.js';
import type { WriteRecordArgs } from './scripts/write-documents.js';
import { newWriteRecord } from './write-documents.js';
import { newWriteId } from './write-id.js';
import type { StoreEvents } from './store-events.js';
import type { WriteConcern } from './write-concern.js';

export interface LockOptions {
  /**
   * REPLICA: each acquisition, and the save under the locks, is acknowledged only once a replica has it
   * (WAIT); an acquisition no replica acknowledged is let go and NOT_REPLICATED. @default the store's
   */
  writeConcern?: WriteConcern | undefined;
  /** How long the lock holds without an extension, in ms (100 to 600000). @default 30000 */
  leaseMs?: number | undefined;
  /** How long to wait for a lock held by someone else, in ms (0 to 60000); for several locks, in all. @default 10000 */
  timeoutMs?: number | undefined;
}

/** A held lock. `token` is the opaque form a network caller keeps; the rest is for the gateway. */
export interface Lease {
  key: string;
  action: string;
  lockKey: string;
  /** The random value stored in the lock key: only its holder knows it. */
  value: string;
  /**
   * Grows with every acquisition of a lock on the key (on one Redis, of any lock; on a cluster, of any
   * lock in the key's slot), also across a failover on a cluster (fencing-token.ts): a holder can hand it
   * to systems that refuse older ones. A decimal integer.
   */
  fencingToken: string;
  /** When the lease runs out, by the Redis server's clock. */
  expiresAt: Date;
  token: string;
}

export const LEASE_MS = { default: 30_000, min: 100, max: 600_000 };
export const TIMEOUT_MS = { default: 10_000, min: 0, max: 60_000 };
const ACTION = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkAction(action: string): string {
  if (!ACTION.test(action)) throw badUserInput(`Lock action "${action}" is invalid: it must match ${ACTION}.`, { action });
  return action;
}

export function checkLockOptions({ leaseMs = LEASE_MS.default, timeoutMs = TIMEOUT_MS.default }: LockOptions): {
  leaseMs: number;
  timeoutMs: number;
} {
  checkRange('leaseMs', leaseMs, LEASE_MS);
  checkRange('timeoutMs', timeoutMs, TIMEOUT_MS);
  return { leaseMs, timeoutMs };
}

export function checkRange(name: string, value: number, { min, max }: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`${name} is ${value}; it must be a whole number of milliseconds from ${min} to ${max}.`, { [name]: value });
  }
}

/** Tries until `deadline` (ms since the epoch), backing off with jitter so that waiters do not retry in step. */
export async function acquireLock(
  scripts: GatewayScripts,
  keyspace: Keyspace,
  key: string,
  action: string,
  leaseMs: number,
  deadline: number,
  timeoutMs: number,
  events?: StoreEvents,
): Promise<Lease> {
  const lockKey = keyspace.lockKey(key, action);
  const fenceKey = keyspace.fenceKey(key);
  const value = randomBytes(16).toString('base64url');
  // The holder's value is new to this call: it serves as the acquisition's write id too.
  const record = newWriteRecord(keyspace, key, value);
  const started = events?.lockWait ? performance.now() : 0;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const [fence, serverTimeOrPttl, epoch] = await scripts.acquireLock(lockKey, fenceKey, value, leaseMs, record).catch(async (error) => {
      // Taken, and not on any replica: a failover could hand it to someone else. Let it go rather than hold it unsafely.
      if (!isGatewayError(error) || error.code !== 'NOT_REPLICATED') throw error;
      await releaseLock(scripts, keyspace, { key, lockKey, value }).catch(() => false);
      throw lockNotReplicated(key, action, Number(error.details.waitMs));
    });
    if (fence > 0) {
      events?.lockWait?.(performance.now() - started, true);
      const lease = {
        key,
        action,
        lockKey,
        value,
        fencingToken: fencingToken(fence, epoch),
        expiresAt: new Date(serverTimeOrPttl + leaseMs),
      };
      return { ...lease, token: encodeToken(lease) };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      events?.lockWait?.(performance.now() - started, false);
      throw lockTimeout(key, action, timeoutMs);
    }
    // Wait no longer than the lease has left: a holder that died frees the lock exactly then.
    const wait = Math.min(left, Math.max(1, serverTimeOrPttl), delay / 2 + Math.random() * delay);
    await sleep(wait);
  }
}

/** What a release or an extension names: the lock, its document and the holder's value. */
type HeldLock = Pick<Lease, 'key' | 'lockKey' | 'value'>;

/**
 * Sends a lock script under a fresh write record, and again under the same one while its outcome is
 * unknown: a re-sent release or extension answers what the first did (write-record.lua).
 */
function sendRecorded<T>(keyspace: Keyspace, lease: HeldLock, send: (record: WriteRecordArgs) => Promise<T>): Promise<T> {
  const writeId = newWriteId();
  const record = newWriteRecord(keyspace, lease.key, writeId);
  return sendUntilOutcomeKnown(writeId, () => send(record));
}

export async function extendLock(scripts: GatewayScripts, keyspace: Keyspace, lease: Lease, leaseMs: number): Promise<Lease> {
  checkRange('leaseMs', leaseMs, LEASE_MS);
  const serverTime = await sendRecorded(keyspace, lease, (record) => scripts.extendLock(lease.lockKey, lease.value, leaseMs, record));
  if (serverTime === 0) throw lockLost('its lease ran out or it was released', { key: lease.key, action: lease.action });
  return { ...lease, expiresAt: new Date(serverTime + leaseMs) };
}

/** Releases only if still held by this lease; returns whether it was. */
export const releaseLock = async (scripts: GatewayScripts, keyspace: Keyspace, lease: HeldLock) =>
  (await sendRecorded(keyspace, lease, (record) => scripts.releaseLock(lease.lockKey, lease.value, record))) === 1;

type TokenFields = Pick<Lease, 'key' | 'action' | 'value' | 'fencingToken'>;

function encodeToken({ key, action, value, fencingToken }: TokenFields): string {
  return Buffer.from(JSON.stringify([key, action, value, fencingToken])).toString('base64url');
}

/** The lease a token stands for (its expiry unknown until Redis is asked); LOCK_LOST for a token that is none. */
export function leaseFromToken(keyspace: Keyspace, token: string): Lease {
  try {
    const [key, action, value, fencingToken] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if ([key, action, value, fencingToken].every((part) => typeof part === 'string')) {
      const fields = { key, action, value, fencingToken } as TokenFields;
      return { ...fields, lockKey: keyspace.lockKey(fields.key, checkAction(fields.action)), expiresAt: new Date(0), token };
    }
  } catch {
    // fall through: not a token of ours
  }
  throw lockLost('the token is not one this gateway issued');
}
