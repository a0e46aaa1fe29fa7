import { Cluster, type Redis } from 'ioredis';
import { keySlot } from '../../src/store/cluster/key-slot.js';
import { isScriptCall, type SeenCommand } from './command-counter.js';

/** A read command as a Redis node received it: an MGET, or a script call, with the document keys it reads. */
export interface Read {
  /** On a cluster, the primary that received it (`host:port`). */
  node?: string;
  /** `mget`, or `script` for EVAL and EVALSHA alike. */
  name: string;
  keys: string[];
}

/** The keys of an MGET, of a script call's KEYS, or of get-on-node.lua's ARGV (it declares no key). */
export function readOf({ node, name, args }: SeenCommand): Read {
  const read = !isScriptCall({ name, args })
    ? { name, keys: args }
    : { name: 'script', keys: args[1] === '0' ? args.slice(2) : args.slice(2, 2 + Number(args[1])) };
  return node === undefined ? read : { node, ...read };
}

/** Reads by node, each node's in the order it received them: what a node's commands say whatever order the nodes answered in. */
export const byNode = (reads: readonly Read[]): Read[] => [...reads].sort((a, b) => (a.node ?? '').localeCompare(b.node ?? ''));

/**
 * What one batch of `keys` that needs no TTL sends: one MGET of them all on one Redis. On a cluster a
 * command's keys must share a slot, so each primary that serves some of them gets one call
 * (get-on-node.lua) with exactly the keys it serves, in the order they were asked for, and a primary that
 * serves none gets nothing.
 */
export function plainReads(client: Redis | Cluster, keys: readonly string[]): Read[] {
  if (!(client instanceof Cluster)) return [{ name: 'mget', keys: [...new Set(keys)] }];
  const primaryOf = (key: string) => client.slots[keySlot(key)]?.[0] ?? 'none';
  return grouped(keys, primaryOf).map(([node, mine]) => ({ node, name: 'script', keys: mine }));
}

/**
 * What one batch of `keys` that needs TTLs sends: one script call of them all on one Redis. On a cluster
 * the script declares its keys, which must share a slot: one call per slot, on the primary serving it.
 */
export function scriptReads(client: Redis | Cluster, keys: readonly string[]): Read[] {
  if (!(client instanceof Cluster)) return [{ name: 'script', keys: [...new Set(keys)] }];
  const primaryOf = (slot: number) => client.slots[slot]?.[0] ?? 'none';
  return grouped(keys, keySlot).map(([slot, mine]) => ({ node: primaryOf(slot), name: 'script', keys: mine }));
}

/** The distinct keys in first-asked order, grouped by `groupOf`. */
function grouped<G>(keys: readonly string[], groupOf: (key: string) => G): Array<[G, string[]]> {
  const groups = new Map<G, string[]>();
  for (const key of new Set(keys)) {
    const group = groups.get(groupOf(key));
    if (group) group.push(key);
    else groups.set(groupOf(key), [key]);
  }
  return [...groups];
}
