import type { z } from 'zod';
import type { Draft, ModelDefinition } from '../model/define-model.js';
import { formatKey } from '../model/keys.js';
import type { ModelInstance } from '../model/model-instance.js';
import { createRegistry, type Registry } from '../model/registry.js';
import { Access } from './access.js';
import { keyspaceFor, type Keyspace } from './keyspace.js';
import { newPks } from './new-pks.js';
import type { RedisClient } from './redis-client.js';
import { gatewayScripts, type GatewayScripts } from './scripts.js';
import { reportRoundTrips, type StoreEvents } from './store-events.js';
import { StoreSession, type ConcernOptions, type ReadOptions, type SessionOptions, type StoreLimits } from './store-session.js';
import type { InsertOptions } from './insert-drafts.js';
import type { Update } from '../model/apply-update.js';
import type { LockResult } from './apply-steps.js';
import type { HoldOptions, LockStep } from './lock-operations.js';
import type { LockOptions } from './locks.js';
import type { WriteConcern } from './write-concern.js';

export interface StoreOptions {
  /**
   * One Redis, or a Redis Cluster. On a cluster each write keeps to one slot (CROSS_SLOT otherwise, or
   * one step per slot with atomicity PER_SLOT); finders and deletes by where gather every slot's shard.
   */
  redis: RedisClient;
  models: readonly ModelDefinition[] | Registry;
  limits?: Partial<StoreLimits> | undefined;
  /** Told of every round trip, read batch and lock wait of the store's own calls. @default none */
  events?: StoreEvents | undefined;
  /**
   * What writes wait for unless a session or call says otherwise (write-concern.ts): PRIMARY, Redis's
   * own acknowledgement; REPLICA, a replica's too (WAIT), else NOT_REPLICATED. @default 'PRIMARY'
   */
  writeConcern?: WriteConcern | undefined;
}

/**
 * maxDocumentBytes is 512 KiB: a document must fit, with its GraphQL envelope and JSON escaping, in one
 * request body of about 1 MB, and every read of it (up to maxKeys in one MGET) moves and parses it whole.
 */
export const DEFAULT_LIMITS: StoreLimits = {
  maxKeys: 1000,
  maxCost: 5000,
  maxInsert: 1000,
  maxDocumentBytes: 512 * 1024,
  maxFinderWork: 20_000,
  maxWhereDepth: 12,
  deleteStep: 500,
};

/**
 * The typed store for TypeScript callers. Each call runs in a session of its own, with the same
 * batching, validation and atomicity as a GraphQL request; `session()` gives one to share across calls.
 */
export class Store {
  readonly registry: Registry;
  readonly limits: StoreLimits;
  /** The Lua scripts, registered on the client once. */
  readonly scripts: GatewayScripts;
  /** The same, with WAIT behind each write (writeConcern REPLICA); made at its first use. */
  private replicaScripts: GatewayScripts | undefined;
  /** The names of the gateway's own keys, for one Redis or a cluster, chosen from the client. */
  readonly keyspace: Keyspace;

  constructor(private readonly options: StoreOptions) {
    this.registry = 'resolveKey' in options.models ? options.models : createRegistry(options.models);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    // The scripts register through defineCommand, which a Cluster client has too; it routes each call by
    // its first key, so on a cluster a call works while all its keys share a slot.
    this.scripts = gatewayScripts(options.redis);
    this.keyspace = keyspaceFor(options.redis);
  }

  /**
   * A pk generator for the drafts of one `insert`: `Model.create(value, { pk: pks() })`. On one Redis
   * it makes plain UUIDv7s, as `create` does; on a cluster UUIDv7s sharing one random hash tag, so that
   * the documents land in one slot and the insert stays one atomic write (CROSS_SLOT otherwise).
   */
  newPks(): () => string {
    return newPks(this.keyspace);
  }

  /**
   * A session of its own: with every permission unless `access` says otherwise (the gateway passes each
   * caller's); `events` (the store's by default) hears what it does, e.g. one request's round trips.
   */
  session({
    access = Access.full,
    events = this.options.events,
    writeConcern = this.options.writeConcern,
  }: SessionOptions = {}): StoreSession {
    const scriptsFor = (concern: WriteConcern) => {
      const scripts = concern === 'REPLICA' ? (this.replicaScripts ??= gatewayScripts(this.options.redis, 'REPLICA')) : this.scripts;
      return events ? reportRoundTrips(scripts, events) : scripts;
    };
    return new StoreSession(this.options.redis, scriptsFor, this.registry, this.limits, { access, events, writeConcern });
  }

  /** rapyer's aget: the instance at `key` (or `model` and `pk`), null when missing. */
  get(key: string, options?: ReadOptions): Promise<ModelInstance | null>;
  get<S extends z.ZodObject>(model: ModelDefinition<S>, pk: string, options?: ReadOptions): Promise<ModelInstance<S> | null>;
  get(keyOrModel: string | ModelDefinition, pkOrOptions?: string | ReadOptions, options?: ReadOptions) {
    const key = typeof keyOrModel === 'string' ? keyOrModel : formatKey(keyOrModel.name, String(pkOrOptions));
    return this.session().get(key, typeof pkOrOptions === 'object' ? pkOrOptions : options);
  }

  /** rapyer's afind: instances in key order in one Redis command; KEY_NOT_FOUND for a missing key unless `skipMissing`. */
  find(keys: readonly string[], options?: ReadOptions & { skipMissing?: boolean | undefined }): Promise<ModelInstance[]> {
    return this.session().find(keys, options);
  }

  /** rapyer's ainsert: drafts made with `Model.create(...)`, of any models, written all or nothing (or all or nothing per slot). */
  insert(drafts: readonly Draft[], options?: InsertOptions & ConcernOptions): Promise<ModelInstance[]> {
    return this.session().insert(drafts, options);
  }

  /**
   * Locks (key, action), loads the model (null when missing) and hands it to `callback`, which returns
   * the update to save (or nothing). Holders of other actions on the key run at once; their changes
   * are kept, since the update is applied to the document as stored.
   */
  withLock(
    key: string,
    action: string,
    callback: (model: ModelInstance | null) => Promise<Update | void> | Update | void,
    options?: HoldOptions,
  ): Promise<LockResult> {
    return this.session().holdLock(key, action, callback, options);
  }

  /** Several keys under one action, declaratively: conditions checked and updates saved all or nothing. */
  withLocks(action: string, steps: readonly LockStep[], options?: LockOptions): Promise<LockResult[]> {
    return this.session().withLocks(action, steps, options);
  }
}

export const createStore = (options: StoreOptions) => new Store(options);
