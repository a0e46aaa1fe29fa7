import { badUserInput, isGatewayError, keyNotFound, tooManyKeys, wrongModel, type GatewayError } from '../errors.js';
import { Access, type Scope } from './access.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import { formatKey } from '../model/keys.js';
import { deleteKeys, deleteWhere, type DeleteOptions, type DeleteResult } from './delete-documents.js';
import { FIRST, findModels, type FindOptions, type Page } from './indexes/find-models.js';
import { setTtl } from './set-ttl.js';
import type { Draft } from '../model/define-model.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import { createBatchLoader, loadRequest, type BatchLoader, type LoadResult } from './batch-loader.js';
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
import { leaseFromToken, type Lease, type LockOptions } from './locks.js';
import type { GatewayScripts } from './scripts.js';
import type { StoreEvents } from './store-events.js';
import { insertDrafts, type InsertOptions } from './insert-drafts.js';
import { checkWriteId } from './write-id.js';
import { keysRead, pageRead, RequestBudget, type BudgetLimits } from './request-budget.js';
import type { RedisClient } from './redis-client.js';
import { keyspaceFor, type Keyspace } from './keyspace.js';
import { newPks } from './new-pks.js';
import type { WriteConcern } from './write-concern.js';

/** The scripts a session writes through for each write concern (the store makes each once). */
export type ScriptsFor = (writeConcern: WriteConcern) => GatewayScripts;

/** The write concern a store call may name. */
export interface ConcernOptions {
  /** PRIMARY, or REPLICA: acknowledged once a replica has the write, else NOT_REPLICATED. @default the session's */
  writeConcern?: WriteConcern | undefined;
}

/** maxKeys and maxCost are per request (see RequestBudget): a GraphQL request, a Store call, or a `store.session()`. */
export interface StoreLimits extends BudgetLimits {
  /** Most models one `insert` may write. @default 1000 */
  maxInsert: number;
  /**
   * Most bytes one document may encode to (its JSON text, UTF-8), on every write: insert, lock saves,
   * releaseLock. Larger ones are VALUE_TOO_LARGE and nothing is written. @default 524288 (512 KiB)
   */
  maxDocumentBytes: number;
  /** Deepest nesting of `and`, `or` and `not` in a where (QUERY_TOO_COMPLEX beyond). @default 12 */
  maxWhereDepth: number;
  /** Most instances one script call of delete<Model>s or deleteAll<Model>s deletes; larger deletes take several steps. @default 500 */
  deleteStep: number;
}

export interface ReadOptions {
  /** Report each instance's remaining TTL (costs a script call instead of an MGET). @default false */
  withTtl?: boolean | undefined;
}

export interface SessionOptions {
  /**
   * What the session's writes wait for, unless a call says otherwise: PRIMARY, or REPLICA (a replica
   * acknowledged them; see write-concern.ts). @default the store's writeConcern
   */
  writeConcern?: WriteConcern | undefined;
  /** What the caller may do. @default Access.full */
  access?: Access | undefined;
  /** Hears every round trip, read batch and lock wait of the session. @default the store's `events` */
  events?: StoreEvents | undefined;
}

/** A slot of `loadMany`: the instance, null for a missing key, or the error that key alone met. */
export type LoadSlot = ModelInstance | null | Error;

/**
 * The store as one request sees it: its reads share one DataLoader, so reads started in the same tick
 * become one Redis command and a key read twice is read once; its writes update that cache.
 * Every read draws on the session's budget first, so no path reads past maxKeys or maxCost.
 */
export class StoreSession {
  private readonly loader;
  /** The request's keys and cost; the GraphQL layer draws on it for each root field too. */
  readonly budget: RequestBudget;
  /** What the caller may do: every read and write below checks it before Redis is touched. */
  readonly access: Access;
  private readonly events: StoreEvents | undefined;
  /** The names of the gateway's own keys for the client's deployment shape. */
  readonly keyspace: Keyspace;
  /** The last finder page started, which the next one waits for (see findModels). */
  private finders: Promise<unknown> = Promise.resolve();
  /** The scripts of the session's default write concern; reads and writes that take none use these. */
  private readonly scripts: GatewayScripts;
  readonly writeConcern: WriteConcern;

  constructor(
    private readonly redis: RedisClient,
    private readonly scriptsFor: ScriptsFor,
    readonly registry: Registry,
    readonly limits: StoreLimits,
    options: SessionOptions = {},
    loader?: BatchLoader,
  ) {
    this.writeConcern = options.writeConcern ?? 'PRIMARY';
    this.scripts = scriptsFor(this.writeConcern);
    this.access = options.access ?? Access.full;
    this.events = options.events;
    this.keyspace = keyspaceFor(redis);
    this.loader = loader ?? createBatchLoader(redis, this.scripts, this.events);
    this.budget = new RequestBudget(limits);
  }

  /**
   * The same caller, events and documents already read, with the whole budget again: for a request that
   * one execution path began and another answers from the start, so that it reads nothing twice and is
   * held to its limits once, by the path that answers it.
   */
  continued(): StoreSession {
    return new StoreSession(
      this.redis,
      this.scriptsFor,
      this.registry,
      this.limits,
      { access: this.access, events: this.events, writeConcern: this.writeConcern },
      this.loader,
    );
  }

  /**
   * Reads keys in order. Never throws for one key: a malformed, unknown or corrupt key, or one of a model
   * the caller may not read (FORBIDDEN), is an Error in its slot.
   */
  async loadMany(keys: readonly string[], { withTtl = false }: ReadOptions = {}): Promise<LoadSlot[]> {
    this.budget.draw(keysRead(keys.length));
    // Checked once per call, so that a caller who may read everything pays nothing per key.
    const readsAll = this.access.canAll('read');
    const slots: Array<LoadSlot | Promise<LoadResult>> = keys.map((key) => {
      try {
        const resolved = this.registry.resolveKey(key);
        if (!readsAll && !this.access.can('read', resolved.model.name))
          return this.access.refusal('read', resolved.model.name, 'read this key', resolved.key);
        return this.loader.load(loadRequest(resolved, withTtl));
      } catch (error) {
        return error as Error;
      }
    });
    // Most reads fail nowhere: one Promise.all, rather than a catch and its promise for every key; when a
    // slot failed (a corrupt document, a Redis fault), each slot is settled on its own, error in place.
    return Promise.all(slots).catch(() =>
      Promise.all(slots.map((slot) => (slot instanceof Promise ? slot.catch((error: Error) => error) : slot))),
    );
  }

  /** The models the caller may read (FORBIDDEN when none). */
  readableModels(): ModelDefinition[] {
    this.access.check('read', undefined, 'list models');
    return this.registry.models.filter((model) => this.access.can('read', model.name));
  }

  /** One key: the instance or null when missing; throws INVALID_KEY, MODEL_NOT_FOUND, FORBIDDEN or CORRUPT_VALUE. */
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
   * A pk generator for the drafts of one insert: plain UUIDv7s on one Redis; on a cluster UUIDv7s that
   * share one random hash tag, so that every document made with it lands in one slot (see new-pks.ts).
   */
  newPks(): () => string {
    return newPks(this.keyspace);
  }

  /**
   * rapyer's ainsert: validated drafts of any models, written in one atomic step (or one per slot, with
   * `atomicity: 'PER_SLOT'`). OVERWRITE replaces existing keys; FAIL writes nothing when one exists
   * (KEY_EXISTS). Returns the stored instances in order.
   */
  async insert(drafts: readonly Draft[], options: InsertOptions & ConcernOptions = {}): Promise<ModelInstance[]> {
    if (drafts.length > this.limits.maxInsert) throw tooManyKeys(drafts.length, this.limits.maxInsert, 'models to insert', 'maxInsert');
    if (options.writeId !== undefined) checkWriteId(options.writeId);
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
    drafts.forEach((draft) => this.access.check('write', draft.model.name, 'insert this key', draft.key));
    if (drafts.length === 0) return [];
    const ttls = await insertDrafts(this.scriptsOf(options.writeConcern), drafts, this.writeContext, options).catch((error: unknown) => {
      // A failed write may have landed in part (PARTIALLY_WRITTEN), whole (NOT_REPLICATED) or not at all
      // (WRITE_OUTCOME_UNKNOWN says it may have): what this session read of those keys may be stale.
      drafts.forEach((draft) => this.uncache(draft.key));
      throw error;
    });
    return drafts.map((draft, i) => {
      const instance: ModelInstance = { model: draft.model, key: draft.key, pk: draft.pk, ttl: ttls[i] ?? null, value: draft.value };
      this.remember(instance);
      return instance;
    });
  }

  /**
   * rapyer's Model.afind: instances of one model by indexed filters, ordered and paged, in one script call
   * (on a cluster, two per primary: see cluster/find-on-cluster.ts). Every page of the session draws on
   * one maxFinderWork.
   */
  async findModels(model: ModelDefinition, options: FindOptions = {}): Promise<Page> {
    this.access.check('read', model.name, `find ${model.name}s`);
    this.budget.draw(pageRead(options.first ?? FIRST.default));
    // The pages of one request run one after another: each script is checked against the work the ones
    // before it left, which pages started in the same tick could not know.
    const run = this.finders.then(async () => {
      const found = await findModels(this.scripts, this.redis, model, options, {
        ...this.limits,
        finderWorkLeft: this.budget.finderWorkLeft,
      });
      this.budget.drawFinderWork(found.work);
      return found;
    });
    this.finders = run.catch(() => undefined);
    const page = await run;
    for (const edge of page.edges) if (edge.node) this.remember(edge.node);
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
    return this.find(this.keysOf(model, keys), { skipMissing, withTtl });
  }

  /**
   * findByKeys for a page of `all<Model>s(keys:)`: a document that no longer decodes is its CORRUPT_VALUE
   * in its slot, as in a finder page, instead of failing the others; every other error fails the whole.
   */
  async findSlotsByKeys(
    model: ModelDefinition,
    keys: readonly string[],
    { skipMissing = false, withTtl = false } = {},
  ): Promise<Array<ModelInstance | GatewayError>> {
    const full = this.keysOf(model, keys);
    const slots = await this.loadMany(full, { withTtl });
    const found: Array<ModelInstance | GatewayError> = [];
    slots.forEach((slot, i) => {
      if (slot === null) {
        if (!skipMissing) throw keyNotFound(full[i] ?? '');
      } else if (slot instanceof Error) {
        if (!isGatewayError(slot) || slot.code !== 'CORRUPT_VALUE') throw slot;
        found.push(slot);
      } else found.push(slot);
    });
    return found;
  }

  /** One model's full keys from full keys or bare pks: FORBIDDEN without read on the model, WRONG_MODEL for another model's key. */
  private keysOf(model: ModelDefinition, keys: readonly string[]): string[] {
    this.access.check('read', model.name, `find ${model.name}s`);
    return keys.map((given) => {
      if (given.startsWith(`${model.name}:`)) return given;
      const other = this.registry.models.find((candidate) => given.startsWith(`${candidate.name}:`));
      if (other) throw wrongModel(given, model.name, `its prefix ${other.name}:`, `ask all${other.name}s for it`);
      return formatKey(model.name, given);
    });
  }

  /** rapyer's adelete_many: every key checked first (nothing deleted on a bad one), then one atomic delete. */
  async deleteMany(keys: readonly string[], options: DeleteOptions & ConcernOptions = {}): Promise<DeleteResult> {
    if (options.writeId !== undefined) checkWriteId(options.writeId);
    const resolved = keys.map((key) => this.registry.resolveKey(key));
    resolved.forEach((key) => this.access.check('write', key.model.name, 'delete this key', key.key));
    // The keys a request deletes draw on the same budget as those it reads, so aliases cannot multiply them.
    this.budget.draw(keysRead(keys.length));
    const result = await deleteKeys(this.scriptsOf(options.writeConcern), this.keyspace, resolved, options).catch((error: unknown) => {
      resolved.forEach((key) => this.uncache(key.key));
      throw error;
    });
    resolved.forEach((key) => this.forget(key.key));
    return result;
  }

  /** Deletes what `where` selects, in steps; an empty where is refused (BAD_USER_INPUT): see deleteAll. */
  async deleteWhere(model: ModelDefinition, where: Condition): Promise<DeleteResult> {
    this.access.check('write', model.name, `delete ${model.name}s`);
    // Cleared even when a later step fails: the earlier steps deleted what this session may have read.
    try {
      return await deleteWhere(this.redis, this.scripts, this.keyspace, model, where, this.limits);
    } finally {
      this.loader.clearAll();
    }
  }

  /** Every instance of the model, in steps of `limits.deleteStep` (see deleteWhere in delete-documents.ts): the admin scope. */
  async deleteAll(model: ModelDefinition): Promise<DeleteResult> {
    this.access.check('admin', model.name, `delete every ${model.name}`);
    try {
      return await deleteWhere(this.redis, this.scripts, this.keyspace, model, null, this.limits);
    } finally {
      this.loader.clearAll();
    }
  }

  /** rapyer's aset_ttl; null removes the TTL. */
  async setTtl(key: string, seconds: number | null): Promise<ModelInstance> {
    const target = this.registry.resolveKey(key);
    this.access.check('write', target.model.name, 'set the TTL of this key', target.key);
    const instance = await setTtl(this.scripts, this.keyspace, target, seconds);
    this.remember(instance);
    return instance;
  }

  /** Declarative withLock: lock (key, action), reload, check `when`, apply `update`, save, release. */
  async withLock(key: string, action = 'default', options: WithLockOptions = {}): Promise<LockResult> {
    this.checkKeys('lock', [key], 'lock this key');
    return withLock(this.lockContext(options.writeConcern), key, action, options);
  }

  /** Several keys under one action, locked in a global order, saved all or nothing. */
  async withLocks(action: string, steps: readonly LockStep[], options: LockOptions = {}): Promise<LockResult[]> {
    this.checkKeys(
      'lock',
      steps.map((step) => step.key),
      'lock this key',
    );
    return withLocks(this.lockContext(options.writeConcern), action, steps, options);
  }

  /** Takes the lock for a caller that runs its own logic meanwhile; returns the lease and the model. */
  async acquireLock(key: string, action = 'default', options: LockOptions = {}) {
    this.checkKeys('lock', [key], 'lock this key');
    return acquireLease(this.lockContext(options.writeConcern), key, action, options);
  }

  async extendLock(token: string, leaseMs: number): Promise<Lease> {
    this.checkKeys('lock', [leaseFromToken(this.keyspace, token).key], 'extend a lock on this key');
    return extendLease(this.lockContext(), token, leaseMs);
  }

  async releaseLock(token: string, options: Parameters<typeof releaseLease>[2] & ConcernOptions = {}): Promise<LockResult> {
    this.checkKeys('lock', [leaseFromToken(this.keyspace, token).key], 'release a lock on this key');
    return releaseLease(this.lockContext(options.writeConcern), token, options);
  }

  /** The TypeScript callback form of withLock; see holdLock. */
  async holdLock(key: string, action: string, callback: Parameters<typeof holdLock>[3], options: HoldOptions = {}): Promise<LockResult> {
    this.checkKeys('lock', [key], 'lock this key');
    return holdLock(this.lockContext(options.writeConcern), key, action, callback, options);
  }

  /** The scripts a write goes through: the session's unless the call names its own write concern. */
  private scriptsOf(writeConcern: WriteConcern | undefined): GatewayScripts {
    return writeConcern === undefined || writeConcern === this.writeConcern ? this.scripts : this.scriptsFor(writeConcern);
  }

  private lockContext(writeConcern?: WriteConcern): LockContext {
    return {
      redis: this.redis,
      scripts: this.scriptsOf(writeConcern),
      keyspace: this.keyspace,
      registry: this.registry,
      maxDocumentBytes: this.limits.maxDocumentBytes,
      events: this.events,
      remember: (instance) => this.remember(instance),
    };
  }

  /** Every key's model, before anything is locked or written: FORBIDDEN for the first the caller lacks `scope` on. */
  private checkKeys(scope: Scope, keys: readonly string[], what: string): void {
    for (const key of keys) {
      const resolved = this.registry.resolveKey(key);
      this.access.check(scope, resolved.model.name, what, resolved.key);
    }
  }

  /** Async so that a malformed or unknown key rejects this key's promise instead of throwing for the whole batch. */
  private async loadOne(key: string, wantTtl: boolean): Promise<LoadResult> {
    const resolved = this.registry.resolveKey(key);
    this.access.check('read', resolved.model.name, 'read this key', resolved.key);
    this.budget.draw(keysRead(1));
    return this.loader.load(loadRequest(resolved, wantTtl));
  }

  private get writeContext() {
    return { keyspace: this.keyspace, maxDocumentBytes: this.limits.maxDocumentBytes };
  }

  /** The next read of `key` asks Redis. */
  private uncache(key: string): void {
    for (const wantTtl of [false, true]) this.loader.clear(loadRequest(this.registry.resolveKey(key), wantTtl));
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
