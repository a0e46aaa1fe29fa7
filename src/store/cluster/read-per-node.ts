import type { ChainableCommander, Cluster } from 'ioredis';
import { keySlot } from './key-slot.js';

/** Replies by which a node sends a slot's command elsewhere or asks for it later: the slot is then read alone. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN) /;

/** A read that Redis takes one slot at a time: one command per slot, for the keys at `positions`, its reply one entry per key. */
export interface SlotRead<R> {
  /** Queues the slot's command on the pipeline of the node serving it. */
  queue(pipeline: ChainableCommander, positions: readonly number[]): void;
  /** Sends the slot's command alone, which follows MOVED and ASK and waits for a slot map. */
  alone(positions: readonly number[]): Promise<unknown>;
}

/**
 * A read of keys across a cluster in one wall-clock round trip. Redis refuses a command whose keys span
 * slots, and 100 random keys fall in about 100 slots, so one command per slot sent one after the other
 * would be 100 round trips. Instead the keys are grouped by the node that serves their slot, each group
 * goes as one pipeline (a command per slot inside it: one pipeline may span slots, not nodes), and all
 * pipelines are sent at once. Replies come back in the order of `keys`, `missing` where a slot's reply
 * has no entry.
 */
export async function readPerNode<R>(cluster: Cluster, keys: readonly string[], read: SlotRead<R>, missing: R): Promise<R[]> {
  const positionsBySlot = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const slot = keySlot(key);
    const positions = positionsBySlot.get(slot);
    if (positions) positions.push(i);
    else positionsBySlot.set(slot, [i]);
  });
  const slotsByNode = new Map<string, number[]>();
  for (const slot of positionsBySlot.keys()) {
    const node = nodeOf(cluster, slot);
    const slots = slotsByNode.get(node);
    if (slots) slots.push(slot);
    else slotsByNode.set(node, [slot]);
  }
  const results = new Array<R>(keys.length).fill(missing);
  const positionsOf = (slot: number) => positionsBySlot.get(slot) ?? [];
  const keep = (slot: number, replies: unknown) =>
    positionsOf(slot).forEach((position, j) => (results[position] = (replies as readonly R[])[j] ?? missing));
  // A slot whose node is unknown (no slot map yet) or changed is read on its own: a command alone waits
  // for the map and follows MOVED and ASK, which ioredis does for a pipeline only when its slots stay on one node.
  const readAlone = async (slot: number) => keep(slot, await read.alone(positionsOf(slot)));
  await Promise.all(
    [...slotsByNode].map(async ([node, slots]) => {
      if (node === '') return Promise.all(slots.map(readAlone));
      const pipeline = cluster.pipeline();
      for (const slot of slots) read.queue(pipeline, positionsOf(slot));
      let replies: Array<[Error | null, unknown]>;
      try {
        replies = (await pipeline.exec()) ?? [];
      } catch (error) {
        // ioredis retries a pipeline that met MOVED with the new map, and rejects it once its slots span nodes.
        if (slots.every((slot) => nodeOf(cluster, slot) === node)) throw error;
        return Promise.all(slots.map(readAlone));
      }
      return Promise.all(
        slots.map(async (slot, i) => {
          const [error, reply] = replies[i] ?? [new Error(`The pipeline to ${node} answered no reply for slot ${slot}.`), null];
          if (!error) return keep(slot, reply);
          if (REDIRECTED.test(error.message)) return readAlone(slot);
          throw error;
        }),
      );
    }),
  );
  return results;
}

/** MGET across slots: one MGET per slot, in one pipeline per node. Null for a missing key. */
export const mgetBySlot = (cluster: Cluster, keys: readonly string[]): Promise<Array<string | null>> =>
  readPerNode<string | null>(
    cluster,
    keys,
    {
      queue: (pipeline, positions) => pipeline.mget(positions.map((position) => keys[position] as string)),
      alone: (positions) => cluster.mget(positions.map((position) => keys[position] as string)),
    },
    null,
  );

/**
 * The nodes serving `slot`, a primary and its replicas, as ioredis's slot map lists them; '' when it has
 * none yet. ioredis sends a pipeline to one such group, and rejects one whose slots belong to several.
 */
const nodeOf = (cluster: Cluster, slot: number) => cluster.slots[slot]?.join(';') ?? '';
