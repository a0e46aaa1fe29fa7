import type { Cluster } from 'ioredis';
import { callRedis } from '../redis-faults.js';
import { primarySlots, type PrimarySlots } from './primary-slots.js';

/**
 * primarySlots once the client knows the slot map: a client that has sent nothing yet learns it from a
 * PING, rather than have its caller reach 16384 slots one by one.
 */
export async function knownPrimarySlots(cluster: Cluster): Promise<ReturnType<typeof primarySlots>> {
  const layout = primarySlots(cluster);
  if (layout.primaries.length > 0) return layout;
  await callRedis(cluster, 'read', () => cluster.ping());
  return primarySlots(cluster);
}

/** Every primary with its slots, once the client knows the slot map (knownPrimarySlots). */
export const primariesOf = async (cluster: Cluster): Promise<PrimarySlots[]> => (await knownPrimarySlots(cluster)).primaries;
