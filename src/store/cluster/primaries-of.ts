import type { Cluster } from 'ioredis';
import { primarySlots, type PrimarySlots } from './primary-slots.js';

/** Every primary with its slots (primarySlots), once the client knows the slot map: a client that has sent nothing yet learns it from a PING. */
export async function primariesOf(cluster: Cluster): Promise<PrimarySlots[]> {
  let { primaries } = primarySlots(cluster);
  if (primaries.length === 0) {
    await cluster.ping();
    ({ primaries } = primarySlots(cluster));
  }
  return primaries;
}
