import type { Cluster, Redis } from 'ioredis';
import type { ModelDefinition } from '../../model/define-model.js';
import { keySlot } from '../cluster/key-slot.js';
import { primariesOf } from '../cluster/primaries-of.js';
import { slotTag } from '../cluster/slot-tags.js';
import { clusterSlotNames, indexKeysAt, inSlot, singleKeyspace } from '../keyspace.js';
import type { GatewayScripts } from '../scripts.js';
import { indexDefinition } from './index-entries.js';
import {
  BATCH,
  countBatch,
  fieldSetNames,
  newResult,
  reindexBatchOf,
  staleFieldSets,
  type ReindexProgress,
  type ReindexResult,
} from './reindex-parts.js';

/** How many shards are swept for entries without documents at once: a round trip each, spread over the primaries. */
const SHARDS_AT_ONCE = 32;

/**
 * reindexModel on a cluster. SCAN sees only the node it is sent to, so every primary is scanned for the
 * model's documents; each batch found is read and indexed slot by slot (a shard per slot, and a script
 * declares keys of one slot), every slot's calls of a batch sent at once. Then every shard of the model
 * is swept for entries whose document is gone, and the definition is recorded in its one key.
 */
export async function reindexOnCluster(
  cluster: Cluster,
  scripts: GatewayScripts,
  model: ModelDefinition,
  onProgress: (progress: ReindexProgress) => void,
): Promise<ReindexResult> {
  const primaries = await primariesOf(cluster);
  const match = `${model.name}:*`;
  const names = clusterSlotNames(model.name);
  const fields = fieldSetNames(model);
  const prefixOf = (slot: number) => inSlot(names.indexPrefix, slotTag(slot));
  let total = 0;
  for (const { client } of primaries)
    for await (const keys of client.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) total += keys.length;

  const stale = await staleFieldSets(cluster, model);
  if (stale.length > 0) {
    const staleKeys = (slot: number) => stale.flatMap((name) => [`${prefixOf(slot)}${name}`, `${prefixOf(slot)}${name}:@null`]);
    const holding = await slotsHolding(cluster, primaries, staleKeys);
    await inGroups(holding, SHARDS_AT_ONCE, (slot) => cluster.del(...staleKeys(slot)));
  }
  const result = newResult();
  let done = 0;
  for (const { client } of primaries) {
    for await (const keys of client.scanStream({ match, count: BATCH }) as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      await Promise.all(
        [...bySlot(keys)].map(async ([slot, slotKeys]) => {
          const { batch, corrupt } = reindexBatchOf(model, slotKeys, await cluster.mgetBuffer(...slotKeys));
          if (batch.length === 0) return;
          const prefix = prefixOf(slot);
          countBatch(result, model, corrupt, await scripts.reindexBatch(prefix, indexKeysAt(prefix, fields), batch));
        }),
      );
      done += keys.length;
      onProgress({ done, total: Math.max(total, done) });
    }
  }
  const shards = await slotsHolding(cluster, primaries, (slot) => [`${prefixOf(slot)}@pk`]);
  await inGroups(shards, SHARDS_AT_ONCE, async (slot) => {
    const prefix = prefixOf(slot);
    const indexKeys = indexKeysAt(prefix, fields);
    for await (const page of cluster.zscanStream(`${prefix}@pk`, { count: BATCH }) as AsyncIterable<string[]>) {
      const pks = page.filter((_, i) => i % 2 === 0);
      // Read after the await: shards are swept together, and `+= await` would add to a stale count.
      const removed = pks.length > 0 ? await scripts.unindexMissing(prefix, indexKeys, `${model.name}:`, pks) : 0;
      result.removed += removed;
    }
  });
  await cluster.hset(singleKeyspace.metaKey(model.name), 'fields', indexDefinition(model));
  return result;
}

/** `keys` by slot. */
function bySlot(keys: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = keySlot(key);
    const group = groups.get(slot);
    if (group) group.push(key);
    else groups.set(slot, [key]);
  }
  return groups;
}

/**
 * The slots where any of `keysOf(slot)` (keys of that slot) exists: each primary asked about every slot
 * it serves in one pipeline (an EXISTS per slot; some 5,500 a primary of three), and a slot it no longer
 * serves asked through the client, which follows the redirection.
 */
async function slotsHolding(
  cluster: Cluster,
  primaries: ReadonlyArray<{ client: Redis; slots: readonly number[] }>,
  keysOf: (slot: number) => string[],
): Promise<number[]> {
  const found: number[] = [];
  await Promise.all(
    primaries.map(async ({ client, slots }) => {
      const pipeline = client.pipeline();
      for (const slot of slots) pipeline.exists(...keysOf(slot));
      const replies = (await pipeline.exec()) ?? [];
      await Promise.all(
        slots.map(async (slot, i) => {
          const [error, exists] = replies[i] ?? [null, 0];
          if (((error ? await cluster.exists(...keysOf(slot)) : exists) as number) > 0) found.push(slot);
        }),
      );
    }),
  );
  return found;
}

/** Runs `each` over `items`, at most `size` at a time. */
async function inGroups<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}
