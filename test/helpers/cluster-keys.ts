import type { Cluster, Redis } from 'ioredis';
import { keySlot } from '../../src/store/cluster/key-slot.js';
import type { Gateway } from '../../src/index.js';
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
