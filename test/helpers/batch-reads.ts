import type { Cluster } from 'ioredis';
import { keySlot } from '../../src/store/cluster/key-slot.js';
import { loadScript } from '../../src/store/lua/load-script.js';
import { GET_ON_NODE } from '../../src/store/scripts/get-on-node.js';
import { describeCommand, isScriptCall, type SeenCommand } from './command-counter.js';
import type { TestRedis } from './redis.js';

/**
 * describeCommand, except that a script declaring no keys lists its arguments (a cluster's read of a
 * batch, get-on-node.lua, gets its keys there), and that on a cluster the primary comes first.
 */
export function describeRead(command: SeenCommand): string {
  const text = isScriptCall(command) && command.args[1] === '0' ? ['script', ...command.args.slice(2)].join(' ') : describeCommand(command);
  return command.node === undefined ? text : `${command.node} ${text}`;
}

/** describeRead of each command, by primary on a cluster (each primary's commands in the order it received them). */
export const describeReads = (commands: readonly SeenCommand[]): string[] =>
  [...commands].sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '')).map(describeRead);

/**
 * What one batch read of `keys` (DataLoader's batch: distinct keys, in the order first asked for) sends
 * Redis, as describeReads writes it. A plain read (`mget`) is, on one Redis, one MGET of the keys; on a
 * cluster, one read call on each primary that serves some of them, with its keys in the batch's order.
 * A read by script (`script`: a TTL asked for or refreshed) is, on one Redis, one script call declaring
 * the keys; on a cluster, one call per slot declaring that slot's keys, sent to the primary that serves
 * it. Nothing, in either case, reaches a primary that serves none of the keys.
 */
export function oneBatchRead(redis: TestRedis, keys: readonly string[], how: 'mget' | 'script' = 'mget'): string[] {
  if (redis.mode === 'standalone') return [`${how} ${keys.join(' ')}`];
  const slots = (redis.client as Cluster).slots;
  const nodeOf = (key: string) => {
    const node = slots[keySlot(key)]?.[0];
    if (node === undefined) throw new Error(`No primary is known for the slot of ${key}.`);
    return node;
  };
  // By node, then (a script read) by slot, each in the order of the batch's keys.
  const calls = new Map<string, { node: string; keys: string[] }>();
  for (const key of keys) {
    const call = how === 'mget' ? nodeOf(key) : String(keySlot(key));
    calls.set(call, { node: nodeOf(key), keys: [...(calls.get(call)?.keys ?? []), key] });
  }
  return [...calls.values()].sort((a, b) => a.node.localeCompare(b.node)).map(({ node, keys: mine }) => `${node} script ${mine.join(' ')}`);
}

/**
 * On a cluster, loads the batch read's script on every primary, as a gateway that has read there before
 * finds it: a counted read then sends EVALSHA alone, not EVALSHA, NOSCRIPT and EVAL. Nothing on one
 * Redis, where ioredis sends EVAL on a connection's first use of a script.
 */
export async function loadBatchReadScript(redis: TestRedis): Promise<void> {
  if (redis.mode === 'standalone') return;
  await redis.client.ping();
  await Promise.all((redis.client as Cluster).nodes('master').map((primary) => primary.script('LOAD', loadScript(GET_ON_NODE))));
}
