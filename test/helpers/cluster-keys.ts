import type { Cluster, Redis } from 'ioredis';

import { keySlot } from '../../src/store/cluster/key-slot.js';
import type { Gateway } from '../../src/index.js';
import { untilEveryNode } from './redis-cluster.js';
import { heldClusterNodes } from './test-cluster.js';
import type { GraphQLErrorBody } from './test-gateway.js';

/**
 * The plain client of the primary that serves `key`'s slot, as `client`'s slot map says: reading a key
 * through it answers what that node holds, and MOVED for a key of another node's slot.
 */
export function primaryFor(client: Cluster, primaries: ReadonlyMap<string, Redis>, key: string): Redis {
  const node = client.slots[keySlot(key)]?.[0];
  const primary = node === undefined ? undefined : primaries.get(node);
  if (!primary) throw new Error(`No primary is known for the slot of ${key}.`);
  return primary;
}

/** Every key matching `pattern` on every primary, sorted: what the whole cluster holds. */
export async function keysEverywhere(primaries: ReadonlyMap<string, Redis>, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const primary of primaries.values()) {
    let cursor = '0';
    do {
      const [next, keys] = await primary.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found.sort();
}

/** Posts an operation to the gateway's Yoga app in-process. */
export async function postGraphQL<TData = Record<string, unknown>>(
  gateway: Gateway<Cluster>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data: TData | null | undefined; errors: GraphQLErrorBody[] | undefined }> {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data: TData | null | undefined; errors: GraphQLErrorBody[] | undefined };
}

export const nodeId = async (node: Redis) => (await node.call('CLUSTER', 'MYID')) as string;

/** Starts moving a slot between primaries the way redis-cli's reshard does: IMPORTING, then MIGRATING. */
export async function startMigration(slot: number, from: Redis, to: Redis): Promise<void> {
  await to.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', await nodeId(from));
  await from.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', await nodeId(to));
}

/** Moves `keys`, or every key of the slot still on `from`, to `to`. */
export async function migrate(slot: number, from: Redis, to: Redis, keys?: readonly string[]): Promise<void> {
  const host = to.options.host ?? '127.0.0.1';
  const port = to.options.port ?? 6379;
  if (keys) {
    await from.call('MIGRATE', host, port, '', 0, 5000, 'KEYS', ...keys);
    return;
  }
  for (;;) {
    const left = (await from.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
    if (left.length === 0) return;
    await from.call('MIGRATE', host, port, '', 0, 5000, 'KEYS', ...left);
  }
}

/**
 * Ends a migration: `owner` serves the slot, as every primary involved is told at once. The other nodes
 * learn it by gossip: this waits (bounded) until every node, replicas too, names the owner, so that a
 * client connecting next learns the map as it now is, from whichever node it asks.
 */
export async function assignSlot(slot: number, involved: readonly Redis[], owner: Redis): Promise<void> {
  const id = await nodeId(owner);
  await Promise.all(involved.map((primary) => primary.call('CLUSTER', 'SETSLOT', slot, 'NODE', id)));
  const ownerOf = async (node: Redis) => {
    const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    return ranges.find(([first, last]) => first <= slot && slot <= last)?.[2][1];
  };
  await untilEveryNode(
    heldClusterNodes(),
    async (node) => (await ownerOf(node)) === owner.options.port,
    `Not every node names port ${owner.options.port} the owner of slot ${slot}.`,
  );
}
