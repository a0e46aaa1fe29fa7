import { badUserInput, lockLost } from '../errors.js';
import type { Update } from '../model/apply-update.js';
import type { Condition } from '../model/conditions.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import { applySteps, type LockResult, type StepContext } from './apply-steps.js';
import { assertOneSlot } from './cluster/one-slot.js';
import {
  acquireLock,
  checkAction,
  checkLockOptions,
  checkRange,
  extendLock,
  leaseFromToken,
  releaseLock,
  type Lease,
  type LockOptions,
} from './locks.js';

export interface LockContext extends StepContext {
  registry: Registry;
}

export interface LockStep {
  key: string;
  when?: Condition | null | undefined;
  update?: Update | null | undefined;
}

export interface WithLockOptions extends LockOptions {
  when?: Condition | null | undefined;
  update?: Update | null | undefined;
  /** Save the update; false answers the updated model without saving it (a dry run). @default true */
  saveAtEnd?: boolean | undefined;
}

export interface HoldOptions extends LockOptions {
  /** Save what the callback returns. @default true */
  saveAtEnd?: boolean | undefined;
  /** The lease is extended while the callback runs, up to this long; then the lock is let go. @default 300000 */
  maxHoldMs?: number | undefined;
}

export const MAX_STEPS = 32;
export const MAX_HOLD_MS = { default: 300_000, min: 100, max: 3_600_000 };

/** rapyer's alock_from_key with the update sent along: lock, reload, check, apply, save, release (always). */
export async function withLock(context: LockContext, key: string, action: string, options: WithLockOptions = {}): Promise<LockResult> {
  const [result] = await withLocks(
    context,
    action,
    [{ key, when: options.when, update: options.update }],
    options,
    options.saveAtEnd ?? true,
  );
  return result as LockResult;
}

/**
 * Several keys under one action: every lock taken in one global order (by lock key), so that two
 * callers over the same keys in opposite orders never deadlock; then every condition checked and
 * every update saved in one atomic step, or none.
 */
export async function withLocks(
  context: LockContext,
  action: string,
  steps: readonly LockStep[],
  options: LockOptions = {},
  save = true,
): Promise<LockResult[]> {
  checkAction(action);
  const { leaseMs, timeoutMs } = checkLockOptions(options);
  if (steps.length === 0 || steps.length > MAX_STEPS)
    throw badUserInput(`withLocks takes 1 to ${MAX_STEPS} steps; it got ${steps.length}.`, { count: steps.length });
  const resolved = steps.map((step) => ({ ...context.registry.resolveKey(step.key), when: step.when, update: step.update }));
  const seen = new Set<string>();
  for (const step of resolved) {
    if (seen.has(step.key)) throw badUserInput(`Key "${step.key}" appears twice in withLocks; a key may appear once.`, { key: step.key });
    seen.add(step.key);
  }
  // On a cluster the save is one script, so every lock and document must share a slot: refused before any lock is taken.
  assertOneSlot(
    context.keyspace,
    resolved.map((step) => step.key),
    steps.length === 1 ? 'withLock' : 'withLocks',
  );
  const deadline = Date.now() + timeoutMs;
  const order = [...resolved.keys()].sort((a, b) => compareLockKeys(resolved[a]?.key ?? '', resolved[b]?.key ?? ''));
  const leases: Lease[] = [];
  try {
    for (const index of order)
      leases[index] = await acquireLock(
        context.scripts,
        context.keyspace,
        resolved[index]?.key ?? '',
        action,
        leaseMs,
        deadline,
        timeoutMs,
        context.events,
      );
    return await applySteps(context, resolved, leases, save);
  } finally {
    // A release that fails (Redis gone) must not replace the outcome of the save: the lease runs out by itself.
    await Promise.all(leases.filter(Boolean).map((lease) => releaseLock(context.scripts, context.keyspace, lease).catch(() => false)));
  }
}

const compareLockKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** For a server that runs its own logic while it holds the lock: the lease and the model as it stands. */
export async function acquireLease(context: LockContext, key: string, action: string, options: LockOptions = {}) {
  const resolved = context.registry.resolveKey(key);
  checkAction(action);
  const { leaseMs, timeoutMs } = checkLockOptions(options);
  const lease = await acquireLock(
    context.scripts,
    context.keyspace,
    key,
    action,
    leaseMs,
    Date.now() + timeoutMs,
    timeoutMs,
    context.events,
  );
  try {
    const [current] = await applySteps(context, [resolved], [lease], false);
    return { lease, model: current?.model ?? null };
  } catch (error) {
    await releaseLock(context.scripts, context.keyspace, lease).catch(() => false);
    throw error;
  }
}

export const extendLease = (context: LockContext, token: string, leaseMs: number) =>
  extendLock(context.scripts, context.keyspace, leaseFromToken(context.keyspace, token), leaseMs);

/**
 * Saves the update while the lease holds (LOCK_LOST otherwise, nothing written), then lets the lock go:
 * also when the update cannot be saved, so that a refused update never keeps the lock until its lease ends.
 * `update` may be a function, so that an update the caller cannot even build still releases the lock.
 */
export async function releaseLease(
  context: LockContext,
  token: string,
  { update, saveAtEnd = true }: { update?: Update | null | (() => Update | null); saveAtEnd?: boolean } = {},
): Promise<LockResult> {
  const lease = leaseFromToken(context.keyspace, token);
  let result: LockResult | undefined;
  try {
    const resolved = context.registry.resolveKey(lease.key);
    const changes = typeof update === 'function' ? update() : update;
    [result] = await applySteps(context, [{ ...resolved, update: changes }], [lease], saveAtEnd && Boolean(changes));
  } catch (error) {
    await releaseLock(context.scripts, context.keyspace, lease).catch(() => false);
    throw error;
  }
  // A failed release after a save that went through must not hide the save: the lease runs out by itself.
  const released = await releaseLock(context.scripts, context.keyspace, lease).catch((error: unknown) => {
    if (result?.applied) return true;
    throw error;
  });
  // A save that went through checked the lease in the same script: it stands even if the lease ran out
  // just after, and answering LOCK_LOST would make a caller apply an inc or append twice.
  if (!released && !result?.applied) throw lockLost('its lease ran out or it was released', { key: lease.key, action: lease.action });
  return result as LockResult;
}

/**
 * The TypeScript form: the callback gets the model (null when missing) and returns the update to save.
 * The lease is extended while the callback runs, up to `maxHoldMs`; past that the lock is let go and
 * the save refused with LOCK_LOST. A callback that throws saves nothing; the lock is released always.
 */
export async function holdLock(
  context: LockContext,
  key: string,
  action: string,
  callback: (model: ModelInstance | null) => Promise<Update | void> | Update | void,
  { saveAtEnd = true, maxHoldMs = MAX_HOLD_MS.default, ...options }: HoldOptions = {},
): Promise<LockResult> {
  checkRange('maxHoldMs', maxHoldMs, MAX_HOLD_MS);
  const { leaseMs } = checkLockOptions(options);
  const { lease, model } = await acquireLease(context, key, action, options);
  const heldUntil = Date.now() + maxHoldMs;
  let lost = false;
  const keepAlive = setInterval(
    () => {
      if (Date.now() >= heldUntil) {
        lost = true;
        clearInterval(keepAlive);
        void releaseLock(context.scripts, context.keyspace, lease).catch(() => {});
        return;
      }
      extendLock(context.scripts, context.keyspace, lease, Math.min(leaseMs, Math.max(LEASE_FLOOR, heldUntil - Date.now()))).catch(
        () => (lost = true),
      );
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  try {
    const update = await callback(model);
    if (lost) throw lockLost(`it was held longer than maxHoldMs (${maxHoldMs} ms)`, { key, action });
    const resolved = context.registry.resolveKey(key);
    const [result] = await applySteps(context, [{ ...resolved, update: update ?? null }], [lease], saveAtEnd && Boolean(update));
    return result as LockResult;
  } finally {
    clearInterval(keepAlive);
    await releaseLock(context.scripts, context.keyspace, lease).catch(() => false);
  }
}

const LEASE_FLOOR = 100;
