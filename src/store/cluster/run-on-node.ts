import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadScript } from '../lua/load-script.js';
import type { ScriptCall } from '../scripts/script-call.js';

const loaded = new Map<string, { text: string; sha: string }>();

/**
 * Runs a script on one node of a cluster, not where its first key lives: for scripts that visit the
 * slots a node serves. EVALSHA, and EVAL once when the node has not seen the script (NOSCRIPT), as
 * ioredis does for its own commands.
 */
export async function runOnNode(node: Redis, script: string, { keys, args }: ScriptCall): Promise<unknown> {
  let entry = loaded.get(script);
  if (!entry) {
    const text = loadScript(script);
    entry = { text, sha: createHash('sha1').update(text).digest('hex') };
    loaded.set(script, entry);
  }
  const { text, sha } = entry;
  return node.evalsha(sha, keys.length, ...keys, ...args).catch((error: Error) => {
    if (!error.message.startsWith('NOSCRIPT')) throw error;
    return node.eval(text, keys.length, ...keys, ...args);
  });
}
