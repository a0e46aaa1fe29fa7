import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadScript } from '../lua/load-script.js';

const loaded = new Map<string, { text: string; sha: string }>();

/**
 * Runs a script on one node of a cluster, with no keys: for the scripts that read every slot a node
 * serves, which ioredis's cluster commands (routed by their first key) cannot send. EVALSHA, and EVAL
 * once when the node has not seen the script (NOSCRIPT), as ioredis does for its own commands.
 */
export async function evalOnNode(client: Redis, script: string, args: readonly string[]): Promise<unknown> {
  let entry = loaded.get(script);
  if (!entry) {
    const text = loadScript(script);
    entry = { text, sha: createHash('sha1').update(text).digest('hex') };
    loaded.set(script, entry);
  }
  const { text, sha } = entry;
  return client.evalsha(sha, 0, ...args).catch((error: Error) => {
    if (!error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(text, 0, ...args);
  });
}
