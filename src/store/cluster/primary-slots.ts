import type { Cluster, Redis } from 'ioredis';
import { SLOT_COUNT } from './key-slot.js';

/** A primary of a cluster, as the client's slot map knows it, and the slots that map says it serves. */
export interface PrimarySlots {
  /** `host:port`, as ioredis names nodes in its slot map. */
  readonly node: string;
  readonly client: Redis;
  /** In ascending order. */
  readonly slots: readonly number[];
}

/**
 * Every primary with the slots the client's map gives it: where a script that walks a model's shards
 * node by node runs. Slots the map gives no primary it knows (no map yet, a node just added) are in
 * `unserved`, for the caller to reach slot by slot through commands that follow redirections.
 */
export function primarySlots(cluster: Cluster): { primaries: PrimarySlots[]; unserved: number[] } {
  const clients = new Map(cluster.nodes('master').map((client) => [`${client.options.host}:${client.options.port}`, client]));
  const slotsByNode = new Map<string, number[]>();
  const unserved: number[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const node = cluster.slots[slot]?.[0];
    if (node === undefined || !clients.has(node)) {
      unserved.push(slot);
      continue;
    }
    const slots = slotsByNode.get(node);
    if (slots) slots.push(slot);
    else slotsByNode.set(node, [slot]);
  }
  const primaries = [...slotsByNode].map(([node, slots]) => ({ node, client: clients.get(node) as Redis, slots }));
  return { primaries, unserved };
}
