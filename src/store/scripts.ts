import type { ChainableCommander, Redis } from 'ioredis';
import { runOnNode } from './cluster/run-on-node.js';
import { readDocumentsPerNode } from './cluster/read-documents-per-node.js';
import { loadScript } from './lua/load-script.js';
import { guardScripts } from './redis-faults.js';
import { isCluster, type RedisClient } from './redis-client.js';
import { ACQUIRE_LOCK, packAcquireLockArgs, parseAcquireLockReply, type AcquireLockReply } from './scripts/acquire-lock.js';
import {
  DELETE_DOCUMENTS,
  packDeleteDocumentsArgs,
  parseDeleteDocumentsReply,
  type DocumentDeleteArgs,
} from './scripts/delete-documents.js';
import { DELETE_WHERE, packDeleteWhereArgs, parseDeleteWhereReply, type DeleteStepArgs } from './scripts/delete-where.js';
import {
  DELETE_WHERE_ON_NODE,
  packDeleteWhereOnNodeArgs,
  parseDeleteWhereOnNodeReply,
  type SlotStep,
} from './scripts/delete-where-on-node.js';
import {
  ESTIMATE_WHERE_ON_NODE,
  packEstimateWhereOnNodeArgs,
  parseEstimateWhereOnNodeReply,
  type ShardEstimate,
} from './scripts/estimate-where-on-node.js';
import type { ClusterSlotNames } from './keyspace.js';
import { EXTEND_LOCK, packExtendLockArgs, parseExtendLockReply } from './scripts/extend-lock.js';
import { FIND, packFindArgs, parseFindReply } from './scripts/find.js';
import { FIND_ON_NODE, packFindOnNodeArgs, type NodeFindArgs } from './scripts/find-on-node.js';
import { packReadDocumentsArgs, parseReadDocumentsReply, READ_DOCUMENTS, type DocumentRead } from './scripts/read-documents.js';
import { packReindexBatchArgs, parseReindexBatchReply, REINDEX_BATCH, type ReindexDocument } from './scripts/reindex-batch.js';
import { packReleaseLockArgs, parseReleaseLockReply, RELEASE_LOCK } from './scripts/release-lock.js';
import type { ScriptCall } from './scripts/script-call.js';
import { packSetTtlArgs, parseSetTtlReply, SET_TTL } from './scripts/set-ttl.js';
import { packUnindexMissingArgs, parseUnindexMissingReply, UNINDEX_MISSING } from './scripts/unindex-missing.js';
import {
  packWriteDocumentsArgs,
  parseWriteDocumentsReply,
  WRITE_DOCUMENTS,
  type DocumentWriteArgs,
  type WriteRecordArgs,
  type LockCheckArgs,
  type WriteOutcome,
} from './scripts/write-documents.js';
import { ReplicaLanes } from './replica-lanes.js';
import { awaitingReplica, replicaWaitMs, WROTE, type WriteConcern } from './write-concern.js';

/*
 * Lua runs inside Redis atomically. The scripts (lua/*.lua) only move document texts around: they never
 * decode and re-encode a document, since Redis's cjson turns [] into {} and rounds integers above 2^53.
 * Each has a module in scripts/ that packs its KEYS and ARGV and reads its reply; this is the one
 * facade the store calls them through.
 */

export interface GatewayScripts {
  readDocuments(reads: readonly DocumentRead[], wantTtl: boolean): Promise<Array<[string | null, number]>>;
  writeDocuments(documents: readonly DocumentWriteArgs[], locks: readonly LockCheckArgs[], record?: WriteRecordArgs): Promise<WriteOutcome>;
  deleteDocuments(documents: readonly DocumentDeleteArgs[], record?: WriteRecordArgs): Promise<number[]>;
  find(args: readonly string[], keys?: readonly string[]): Promise<Array<string | number | null>>;
  /** On a cluster, find-on-node.lua on one primary; its reply as cluster/find-on-cluster.ts reads it. */
  findOnNode(node: Redis, call: NodeFindArgs): Promise<unknown>;
  reindexBatch(
    indexPrefix: string,
    indexKeys: readonly string[],
    documents: readonly ReindexDocument[],
  ): Promise<[indexed: number, removedPks: string[]]>;
  unindexMissing(indexPrefix: string, indexKeys: readonly string[], keyPrefix: string, pks: readonly string[]): Promise<number>;
  deleteWhere(step: DeleteStepArgs): Promise<number[]>;
  /** Steps of a delete by where over slots of `node`, a cluster's primary: one reply per step, or [ELSEWHERE]. */
  deleteWhereOnNode(
    node: Redis,
    names: ClusterSlotNames,
    keyPrefix: string,
    plan: string,
    recordMs: number,
    steps: readonly SlotStep[],
  ): Promise<number[][]>;
  /**
   * Estimates of a delete by where per shard: of the slots of `tags` that `node` serves, or, with
   * `declared` keys and no node, of one slot wherever the cluster serves it.
   */
  estimateWhere(
    node: Redis | null,
    names: ClusterSlotNames,
    plan: string,
    tags: readonly string[],
    declared?: readonly string[],
  ): Promise<{ deleteWork: number; shards: ShardEstimate[] }>;
  setTtl(key: string, expiryKey: string, pk: string, seconds: number): Promise<[number, string?]>;
  acquireLock(lockKey: string, fenceKey: string, value: string, leaseMs: number, record: WriteRecordArgs): Promise<AcquireLockReply>;
  extendLock(lockKey: string, value: string, leaseMs: number, record: WriteRecordArgs): Promise<number>;
  releaseLock(lockKey: string, value: string, record: WriteRecordArgs): Promise<number>;
}

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: string[]) => Promise<unknown>;

/** `write-documents` is defined on the client as the command `rmgWriteDocuments`. */
const commandName = (script: string) => `rmg${script.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`;

/**
 * Registers the scripts on the client: ioredis then sends EVAL the first time a connection runs one and
 * EVALSHA after, and a pipeline made from the client can queue them too.
 * The texts are read from disk once per process, here, so they are ready before the first command.
 * Each call's failures for want of Redis come out as REDIS_UNAVAILABLE or WRITE_OUTCOME_UNKNOWN (redis-faults.ts).
 * On a cluster every call goes to the node of its first key, except reads of documents, which are split
 * by slot and node (cluster/read-documents-per-node.ts), a finder's call on each node (findOnNode), and the calls given a node, which run there.
 * With `writeConcern` REPLICA, the writes a caller relies on (documents written or deleted, a lock taken)
 * send WAIT behind their script, on connections of their own (replica-lanes.ts), and are NOT_REPLICATED
 * when no replica acknowledged them (write-concern.ts).
 */
export function gatewayScripts(redis: RedisClient, writeConcern: WriteConcern = 'PRIMARY'): GatewayScripts {
  const define = (script: string) => {
    const name = commandName(script);
    redis.defineCommand(name, { lua: loadScript(script) });
    const command = (redis as unknown as Record<string, ScriptCommand>)[name] as ScriptCommand;
    // On a pipeline the call is queued, and its reply comes with the pipeline's.
    return ({ keys, args }: ScriptCall, on: RedisClient | ChainableCommander = redis) => command.call(on, keys.length, ...keys, ...args);
  };
  const lanes = writeConcern === 'REPLICA' ? new ReplicaLanes(redis) : undefined;
  const waitMs = replicaWaitMs(redis);
  const write = (script: string, wrote: (reply: unknown) => boolean) =>
    lanes ? awaitingReplica(lanes, script, wrote, waitMs) : define(script);
  const readDocuments = define(READ_DOCUMENTS);
  const writeDocuments = write(WRITE_DOCUMENTS, WROTE.writeDocuments);
  const deleteDocuments = write(DELETE_DOCUMENTS, WROTE.deleteDocuments);
  const setTtl = define(SET_TTL);
  const find = define(FIND);
  const reindexBatch = define(REINDEX_BATCH);
  const unindexMissing = define(UNINDEX_MISSING);
  const deleteWhere = define(DELETE_WHERE);
  const estimateWhere = define(ESTIMATE_WHERE_ON_NODE);
  const acquireLock = write(ACQUIRE_LOCK, WROTE.acquireLock);
  const extendLock = define(EXTEND_LOCK);
  const releaseLock = define(RELEASE_LOCK);
  return guardScripts(redis, {
    readDocuments: isCluster(redis)
      ? (reads, wantTtl) => readDocumentsPerNode(redis, reads, wantTtl, readDocuments)
      : async (reads, wantTtl) => parseReadDocumentsReply(await readDocuments(packReadDocumentsArgs(reads, wantTtl))),
    writeDocuments: async (documents, locks, record) =>
      parseWriteDocumentsReply(await writeDocuments(packWriteDocumentsArgs(documents, locks, record))),
    deleteDocuments: async (documents, record) =>
      parseDeleteDocumentsReply(await deleteDocuments(packDeleteDocumentsArgs(documents, record))),
    find: async (args, keys) => parseFindReply(await find(packFindArgs(args, keys))),
    findOnNode: (node, call) => runOnNode(node, FIND_ON_NODE, packFindOnNodeArgs(call)),
    reindexBatch: async (indexPrefix, indexKeys, documents) =>
      parseReindexBatchReply(await reindexBatch(packReindexBatchArgs(indexPrefix, indexKeys, documents))),
    unindexMissing: async (indexPrefix, indexKeys, keyPrefix, pks) =>
      parseUnindexMissingReply(await unindexMissing(packUnindexMissingArgs(indexPrefix, indexKeys, keyPrefix, pks))),
    deleteWhere: async (step) => parseDeleteWhereReply(await deleteWhere(packDeleteWhereArgs(step))),
    deleteWhereOnNode: async (node, names, keyPrefix, plan, recordMs, steps) =>
      parseDeleteWhereOnNodeReply(
        await runOnNode(node, DELETE_WHERE_ON_NODE, packDeleteWhereOnNodeArgs(names, keyPrefix, plan, recordMs, steps)),
      ),
    estimateWhere: async (node, names, plan, tags, declared) => {
      const call = packEstimateWhereOnNodeArgs(names, plan, tags, declared);
      return parseEstimateWhereOnNodeReply(await (node ? runOnNode(node, ESTIMATE_WHERE_ON_NODE, call) : estimateWhere(call)));
    },
    setTtl: async (key, expiryKey, pk, seconds) => parseSetTtlReply(await setTtl(packSetTtlArgs(key, expiryKey, pk, seconds))),
    acquireLock: async (lockKey, fenceKey, value, leaseMs, record) =>
      parseAcquireLockReply(await acquireLock(packAcquireLockArgs(lockKey, fenceKey, value, leaseMs, record, isCluster(redis)))),
    extendLock: async (lockKey, value, leaseMs, record) =>
      parseExtendLockReply(await extendLock(packExtendLockArgs(lockKey, value, leaseMs, record))),
    releaseLock: async (lockKey, value, record) => parseReleaseLockReply(await releaseLock(packReleaseLockArgs(lockKey, value, record))),
  });
}
