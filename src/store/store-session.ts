import type { Redis } from 'ioredis';
import { badUserInput, keyExists, keyNotFound, tooManyKeys, wrongModel } from '../errors.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import { formatKey } from '../model/keys.js';
import { deleteKeys, deleteWhere, type DeleteResult } from './delete-documents.js';
import { findModels, type FindOptions, type Page } from './indexes/find-models.js';
import { setTtl } from './set-ttl.js';
import type { Draft } from '../model/define-model.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import { createBatchLoader, loadRequest, type LoadResult } from './batch-loader.js';
import type { LockResult } from './apply-steps.js';
import {
  acquireLease,
  extendLease,
  holdLock,
  releaseLease,
  withLock,
  withLocks,
  type HoldOptions,
  type LockContext,
  type LockStep,
  type WithLockOptions,
} from './lock-operations.js';
import type { Lease, LockOptions } from './locks.js';
import type { GatewayScripts } from './scripts.js';
import type { StoreEvents } from './store-events.js';
import { writeDocuments, type OnConflict } from './write-documents.js';

export interface StoreLimits {
  /** Most keys one `find` (or one GraphQL request) may read. @default 1000 */
  maxKeys: number;
  /** Most models one `insert` may write. @default 1000 */
  maxInsert: number;
}

export interface ReadOptions {
  /** Report each instance's remaining TTL (costs a script call instead of an MGET). @default false */
  withTtl?: boolean;
}

/** A slot of `loadMany`: the instance, null for a missing key, or the error that key alone met. */
export type LoadSlot = ModelInstance | null | Error;

/**
 * The store as one request sees it: its reads share one DataLoader, so reads started in the same tick
 * become one Redis command and a key read twice is read once; its writes update that cache.
 */
export class StoreSession {
  private readonly loader;

  constructor(
    private readonly redis: Redis,
    private readonly scripts: GatewayScripts,
    readonly registry: Registry,
    readonly limits: StoreLimits,
    private readonly events?: StoreEvents,
  ) {
    this.loader = createBatchLoader(redis, scripts, events);
  }

  /** Reads keys in order. Never throws for one key: a malformed, unknown or corrupt key is an Error in its slot. */
  async loadMany(keys: readonly string[], { withTtl = false }: ReadOptions = {}): Promise<LoadSlot[]> {
    if (keys.length > this.limits.maxKeys) throw tooManyKeys(keys.length, this.limits.maxKeys, 'keys');
    return Promise.all(
      keys.map((key) => {
        try {
          return this.loader.load(loadRequest(this.registry.resolveKey(key), withTtl)).catch((error: Error) => error);
        } catch (error) {
          return error as Error;
        }
      }),
    );
  }

  /** One key: the instance or null when missing; throws INVALID_KEY, MODEL_NOT_FOUND or CORRUPT_VALUE. */
  async get(key: string, { withTtl = false }: ReadOptions = {}): Promise<ModelInstance | null> {
    return this.loadOne(key, withTtl);
  }

  /** rapyer's afind: every key must exist (KEY_NOT_FOUND) unless `skipMissing`, which drops missing keys. */
  async find(keys: readonly string[], options: ReadOptions & { skipMissing?: boolean } = {}): Promise<ModelInstance[]> {
    const slots = await this.loadMany(keys, options);
    const found: ModelInstance[] = [];
    slots.forEach((slot, i) => {
      if (slot instanceof Error) throw slot;
      if (slot !== null) found.push(slot);
      else if (!options.skipMissing) throw keyNotFound(keys[i] ?? '');
    });
    return found;
  }

  /**
   * rapyer's ainsert: validated drafts of any models, written in one atomic step. OVERWRITE replaces
   * existing keys; FAIL writes nothing when one exists (KEY_EXISTS). Returns the stored instances in order.
   */
  async insert(drafts: readonly Draft[], { onConflict = 'OVERWRITE' }: { onConflict?: OnConflict } = {}): Promise<ModelInstance[]> {
    if (drafts.length > this.limits.maxInsert) throw tooManyKeys(drafts.length, this.limits.maxInsert, 'models to insert');
    const seen = new Map<string, number>();
    drafts.forEach((draft, i) => {
      const first = seen.get(draft.key);
      if (first !== undefined)
        throw badUserInput(`models[${first}] and models[${i}] both have key "${draft.key}"; a key may appear once per insert.`, {
          key: draft.key,
          index: i,
        });
      seen.set(draft.key, i);
    });
    if (drafts.length === 0) return [];
    const outcome = await writeDocuments(
      this.scripts,
      drafts.map((draft) => ({
        key: draft.key,
        pk: draft.pk,
        model: draft.model,
        value: draft.value,
        expect: onConflict === 'FAIL' ? 'absent' : 'any',
      })),
    );
    if (outcome.status !== 'written') throw keyExists(drafts[outcome.index]?.key ?? '?', outcome.index);
    const { ttls } = outcome;
    return drafts.map((draft, i) => {
      const instance: ModelInstance = { model: draft.model, key: draft.key, pk: draft.pk, ttl: ttls[i] ?? null, value: draft.value };
      this.remember(instance);
      return instance;
    });
  }

  /** rapyer's Model.afind: instances of one model by indexed filters, ordered and paged, in one script call. */
  async findModels(model: ModelDefinition, options: FindOptions = {}): Promise<Page> {
    const page = await findModels(this.scripts, model, options);
    page.edges.forEach((edge) => this.remember(edge.node));
    return page;
  }

  /**
   * One model's instances by key, in key order: full keys or bare pks. A key of another model is
   * WRONG_MODEL; a missing key KEY_NOT_FOUND unless `skipMissing`.
   */
  async findByKeys(
    model: ModelDefinition,
    keys: readonly string[],
    { skipMissing = false, withTtl = false } = {},
  ): Promise<ModelInstance[]> {
    const full = keys.map((given) => {
      if (given.startsWith(`${model.name}:`)) return given;
      const other = this.registry.models.find((candidate) => given.startsWith(`${candidate.name}:`));
      if (other) throw wrongModel(given, model.name, `its prefix ${other.name}:`, `ask all${other.name}s for it`);
      return formatKey(model.name, given);
    });
    return this.find(full, { skipMissing, withTtl });
  }

  /** rapyer's adelete_many: every key checked first (nothing deleted on a bad one), then one atomic delete. */
  async deleteMany(keys: readonly string[]): Promise<DeleteResult> {
    if (keys.length > this.limits.maxKeys) throw tooManyKeys(keys.length, this.limits.maxKeys, 'keys');
    const resolved = keys.map((key) => this.registry.resolveKey(key));
    const result = await deleteKeys(this.scripts, resolved);
    resolved.forEach((key) => this.forget(key.key));
    return result;
  }

  /** Deletes what `where` selects; an empty where is refused (BAD_USER_INPUT): see deleteAll. */
  async deleteWhere(model: ModelDefinition, where: Condition): Promise<DeleteResult> {
    const result = await deleteWhere(this.scripts, model, where);
    this.loader.clearAll();
    return result;
  }

  async deleteAll(model: ModelDefinition): Promise<DeleteResult> {
    const result = await deleteWhere(this.scripts, model, null);
    this.loader.clearAll();
    return result;
  }

  /** rapyer's aset_ttl; null removes the TTL. */
  async setTtl(key: string, seconds: number | null): Promise<ModelInstance> {
    const instance = await setTtl(this.scripts, this.registry.resolveKey(key), seconds);
    this.remember(instance);
    return instance;
  }

  /** Declarative withLock: lock (key, action), reload, check `when`, apply `update`, save, release. */
  withLock(key: string, action = 'default', options: WithLockOptions = {}): Promise<LockResult> {
    return withLock(this.lockContext, key, action, options);
  }

  /** Several keys under one action, locked in a global order, saved all or nothing. */
  withLocks(action: string, steps: readonly LockStep[], options: LockOptions = {}): Promise<LockResult[]> {
    return withLocks(this.lockContext, action, steps, options);
  }

  /** Takes the lock for a caller that runs its own logic meanwhile; returns the lease and the model. */
  acquireLock(key: string, action = 'default', options: LockOptions = {}) {
    return acquireLease(this.lockContext, key, action, options);
  }

  extendLock(token: string, leaseMs: number): Promise<Lease> {
    return extendLease(this.lockContext, token, leaseMs);
  }

  releaseLock(token: string, options: Parameters<typeof releaseLease>[2] = {}): Promise<LockResult> {
    return releaseLease(this.lockContext, token, options);
  }

  /** The TypeScript callback form of withLock; see holdLock. */
  holdLock(key: string, action: string, callback: Parameters<typeof holdLock>[3], options: HoldOptions = {}): Promise<LockResult> {
    return holdLock(this.lockContext, key, action, callback, options);
  }

  private get lockContext(): LockContext {
    return {
      redis: this.redis,
      scripts: this.scripts,
      registry: this.registry,
      events: this.events,
      remember: (instance) => this.remember(instance),
    };
  }

  /** Async so that a malformed or unknown key rejects this key's promise instead of throwing for the whole batch. */
  private async loadOne(key: string, wantTtl: boolean): Promise<LoadResult> {
    return this.loader.load(loadRequest(this.registry.resolveKey(key), wantTtl));
  }

  private forget(key: string): void {
    for (const wantTtl of [false, true]) {
      const request = loadRequest(this.registry.resolveKey(key), wantTtl);
      this.loader.clear(request).prime(request, null);
    }
  }

  /** A read after a write in the same request sees the write, with or without its TTL. */
  private remember(instance: ModelInstance): void {
    for (const wantTtl of [false, true]) {
      const request = loadRequest(this.registry.resolveKey(instance.key), wantTtl);
      this.loader.clear(request).prime(request, instance);
    }
  }
}
