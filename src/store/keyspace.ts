import { randomBytes } from 'node:crypto';
import { keySlot } from './cluster/key-slot.js';
import { slotTag } from './cluster/slot-tags.js';
import { isCluster, type RedisClient } from './redis-client.js';

/*
 * Every key the gateway keeps beside the documents, in one place. All of them start with `rmg:`; model
 * names start with a capital letter, so no gateway key is a model key or matched by a `<Model>:*` scan.
 * These names are stored data: changing a byte of one orphans what existing deployments hold.
 *
 * There are two layouts, one per deployment shape, chosen once per store from its client:
 *
 * | key | one Redis | Redis Cluster |
 * | --- | --- | --- |
 * | index prefix | `rmg:idx:<Model>:` | `rmg:idx:{<tag>}:<Model>:` |
 * | lock | `rmg:lock:<action>:<key>` | `rmg:lock:{<tag>}:<action>:<key>` |
 * | fencing counter | `rmg:fence` | `rmg:fence:{<tag>}` |
 * | temporary sets | `rmg:tmp:<16 hex>:` | `rmg:tmp:{<tag>}:<16 hex>:` |
 * | a write's record | `rmg:wrote:<write id>` | `rmg:wrote:{<tag>}:<write id>` |
 * | index definition | `rmg:idx:<Model>:@meta` | `rmg:idx:<Model>:@meta` |
 *
 * `<tag>` is `slotTag(keySlot(documentKey))`: the shortest tag of the slot the document lives in, so that
 * on a cluster every key a write touches is in its document's slot and one script may declare them all.
 * Index shards are per slot there: they move with their documents when a slot moves. One Redis keeps one
 * shard per model, so that a finder reads one set per field. The index definition belongs to a model,
 * not to a document, so it has one name in both layouts.
 *
 * Under an index prefix:
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<prefix>@pk` | sorted set, all scores 0 | every indexed instance's pk (pk order by lex) |
 * | `<prefix>@expiry` | sorted set | pk scored by when its key expires (ms); purged at the start of each finder |
 * | `<prefix>@entries` | hash | pk: the JSON list of its index entries, to remove them on the next write |
 * | `<prefix>@meta` | hash | `fields`: the index definition the stored index was built with (one Redis only) |
 * | `<prefix><field>` | sorted set | numbers, booleans, dates and enums (by rank): pk scored by value; strings: `<value>\0\0<pk>`, scores 0 |
 * | `<prefix><field>:@null` | sorted set, all scores 0 | pks whose value of the field is null or absent |
 *
 * Lock keys start with `rmg:lock:`, so no index key is a lock key. An action has no colon, so the first
 * colon after the action ends it and no two (key, action) pairs share a lock key.
 */
export interface Keyspace {
  /** Whether keys are laid out for a Redis Cluster: then a write must keep to one slot. */
  readonly cluster: boolean;
  /** Where the indexes that hold the document at `documentKey`, of model `modelName`, live. */
  indexPrefix(modelName: string, documentKey: string): string;
  /** The lock on (documentKey, action). */
  lockKey(documentKey: string, action: string): string;
  /** The counter whose increments are the fencing tokens of locks on `documentKey`: tokens need only grow per key. */
  fenceKey(documentKey: string): string;
  /**
   * A fresh prefix for the sets one finder or delete script builds and deletes before it returns, in the
   * slot of `slotKey` (a key the script declares); random, so that two scripts never share one even if a
   * script dies before cleaning up.
   */
  temporaryPrefix(slotKey: string): string;
  /** The hash that records the index definition a model's stored index was built with. */
  metaKey(modelName: string): string;
  /**
   * Where a write records its reply for a while (includes/write-record.lua), in the slot of what it changed
   * (`documentKey`, any of them): a script re-sent after its reply was lost answers the record.
   */
  writeRecordKey(documentKey: string, writeId: string): string;
}

const randomPart = () => randomBytes(8).toString('hex');

export const singleKeyspace: Keyspace = {
  cluster: false,
  indexPrefix: (modelName) => `rmg:idx:${modelName}:`,
  lockKey: (documentKey, action) => `rmg:lock:${action}:${documentKey}`,
  fenceKey: () => 'rmg:fence',
  temporaryPrefix: () => `rmg:tmp:${randomPart()}:`,
  metaKey: (modelName) => `rmg:idx:${modelName}:@meta`,
  writeRecordKey: (_documentKey, writeId) => `rmg:wrote:${writeId}`,
};

/** The hash tag of the slot `key` lives in, braces included: placed first in a key, it puts that key there. */
export const slotTagOf = (key: string) => `{${slotTag(keySlot(key))}}`;

/**
 * On a cluster, the text before and after a slot's tag in the index prefix of `modelName`'s shard in
 * that slot: for a script that walks every shard a node serves and builds each prefix from its tag.
 */
export const shardPrefixAround = (modelName: string): [before: string, after: string] => ['rmg:idx:{', `}:${modelName}:`];

/** On a cluster, a fresh temporary prefix around a slot's tag, as shardPrefixAround: one per script call. */
export const temporaryPrefixAround = (): [before: string, after: string] => ['rmg:tmp:{', `}:${randomPart()}:`];

const around = ([before, after]: [string, string], documentKey: string) => `${before}${slotTag(keySlot(documentKey))}${after}`;

export const clusterKeyspace: Keyspace = {
  cluster: true,
  indexPrefix: (modelName, documentKey) => around(shardPrefixAround(modelName), documentKey),
  lockKey: (documentKey, action) => `rmg:lock:${slotTagOf(documentKey)}:${action}:${documentKey}`,
  fenceKey: (documentKey) => `rmg:fence:${slotTagOf(documentKey)}`,
  temporaryPrefix: (slotKey) => around(temporaryPrefixAround(), slotKey),
  metaKey: singleKeyspace.metaKey,
  writeRecordKey: (documentKey, writeId) => `rmg:wrote:${slotTagOf(documentKey)}:${writeId}`,
};

export const keyspaceFor = (redis: RedisClient): Keyspace => (isCluster(redis) ? clusterKeyspace : singleKeyspace);

/**
 * Every index key under `prefix` that writing or deleting a document of a model indexing `fields` may
 * touch: `@pk`, `@expiry`, `@entries`, and each field's set and its `@null` set. A write script declares
 * them all, so that on a cluster a slot being moved is refused before the script starts (TRYAGAIN), not
 * after it has written the document and half its entries.
 */
export const indexKeysAt = (prefix: string, fields: readonly string[]): string[] => [
  `${prefix}@pk`,
  `${prefix}@expiry`,
  `${prefix}@entries`,
  ...fields.flatMap((field) => [`${prefix}${field}`, `${prefix}${field}:@null`]),
];

/** A name of a cluster's keyspace around a slot's tag: `before + tag + after`. */
export type AroundTag = readonly [before: string, after: string];

/**
 * The names one script over many slots of a cluster builds for each slot it visits, as the text around
 * the slot's tag: a call per node then carries each name once, not once per slot (a primary of three
 * serves some 5,500 slots). `inSlot(name, tag)` gives what clusterKeyspace names for a document of the
 * tag's slot.
 */
export interface ClusterSlotNames {
  /** The model's index shard of the slot. */
  indexPrefix: AroundTag;
  /** Temporary sets of this call, random: a key under it never exists until the call makes it. */
  temporaryPrefix: AroundTag;
  /** This call's record, by its write id. */
  writeRecordKey: AroundTag;
}

export const clusterSlotNames = (modelName: string, writeId = randomPart()): ClusterSlotNames => ({
  indexPrefix: ['rmg:idx:{', `}:${modelName}:`],
  temporaryPrefix: ['rmg:tmp:{', `}:${randomPart()}:`],
  writeRecordKey: ['rmg:wrote:{', `}:${writeId}`],
});

export const inSlot = ([before, after]: AroundTag, tag: string) => `${before}${tag}${after}`;
