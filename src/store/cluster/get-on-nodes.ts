import type { Cluster, Redis } from 'ioredis';
import { GET_ON_NODE, packGetOnNodeArgs, parseGetOnNodeReply } from '../scripts/get-on-node.js';
import { runOnNode } from './run-on-node.js';
import { keySlot } from './key-slot.js';
import { mgetBySlot } from './read-per-node.js';

/**
 * MGET across a cluster: the keys each primary serves, read there by one call of get-on-node.lua, every
 * primary at once: one command per node instead of one MGET per slot (100 random keys fall in about 100
 * slots), which costs the gateway about half the CPU. A node whose call fails (a slot moved since the
 * client's map, a migration under way, a node the map does not know yet) has its keys read by slot
 * instead (mgetBySlot), which follows the redirections. Null for a missing key, in the order of `keys`.
 */
export async function getOnNodes(cluster: Cluster, keys: readonly string[]): Promise<Array<string | null>> {
  const positionsByNode = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const node = cluster.slots[keySlot(key)]?.[0] ?? '';
    const positions = positionsByNode.get(node);
    if (positions) positions.push(i);
    else positionsByNode.set(node, [i]);
  });
  const results = new Array<string | null>(keys.length).fill(null);
  const primaries = positionsByNode.size > 0 ? cluster.nodes('master') : [];
  await Promise.all(
    [...positionsByNode].map(async ([node, positions]) => {
      const nodeKeys = positions.map((position) => keys[position] as string);
      const client = primaries.find(({ options }) => `${options.host}:${options.port}` === node);
      const replies = (client && (await runOn(client, nodeKeys).catch(() => undefined))) ?? (await mgetBySlot(cluster, nodeKeys));
      positions.forEach((position, j) => (results[position] = replies[j] ?? null));
    }),
  );
  return results;
}

async function runOn(client: Redis, keys: readonly string[]): Promise<Array<string | null>> {
  return parseGetOnNodeReply(await runOnNode(client, GET_ON_NODE, packGetOnNodeArgs(keys)));
}
