import type { Cluster } from 'ioredis';
import { keySlot } from './key-slot.js';

/** Replies by which a node sends a slot's command elsewhere or asks for it later: a lone MGET follows them. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN) /;

/**
 * MGET on a cluster in one wall-clock round trip. Redis refuses an MGET whose keys span slots, and 100
 * random keys fall in about 100 slots, so one MGET per slot sent one after the other would be 100 round
 * trips. Instead the keys are grouped by the node that serves their slot, each group goes as one
 * pipeline (an MGET per slot inside it: one pipeline may span slots, not nodes), and all pipelines are
 * sent at once. Replies come back in the order of `keys`, null for a missing key.
 */
export async function mgetPerNode(cluster: Cluster, keys: readonly string[]): Promise<Array<string | null>> {
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
  const documents = new Array<string | null>(keys.length).fill(null);
  const keysOf = (slot: number) => (positionsBySlot.get(slot) ?? []).map((position) => keys[position] as string);
  const keep = (slot: number, replies: ReadonlyArray<string | null>) =>
    positionsBySlot.get(slot)?.forEach((position, j) => (documents[position] = replies[j] ?? null));
  // A slot whose node is unknown (no slot map yet) or changed is read on its own: MGET waits for the
  // map and follows MOVED and ASK, which ioredis does for a pipeline only when its slots stay on one node.
  const readAlone = async (slot: number) => keep(slot, await cluster.mget(keysOf(slot)));
  await Promise.all(
    [...slotsByNode].map(async ([node, slots]) => {
      if (node === '') return Promise.all(slots.map(readAlone));
      const pipeline = cluster.pipeline();
      for (const slot of slots) pipeline.mget(keysOf(slot));
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
          if (!error) return keep(slot, reply as Array<string | null>);
          if (REDIRECTED.test(error.message)) return readAlone(slot);
          throw error;
        }),
      );
    }),
  );
  return documents;
}

/**
 * The nodes serving `slot`, a primary and its replicas, as ioredis's slot map lists them; '' when it has
 * none yet. ioredis sends a pipeline to one such group, and rejects one whose slots belong to several.
 */
const nodeOf = (cluster: Cluster, slot: number) => cluster.slots[slot]?.join(';') ?? '';
