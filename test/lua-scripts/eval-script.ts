import type { Redis } from 'ioredis';
import { loadScript } from '../../src/store/lua/load-script.js';
import { indexKeysAt } from '../../src/store/keyspace.js';
import type { ScriptCall } from '../../src/store/scripts/script-call.js';

/*
 * The scripts run as Redis receives them, with EVAL and the loaded text: no store, no ioredis command
 * definition. Fixtures use their own prefixes (`idx:T:` for indexes, `T:` for documents), since the
 * scripts take every prefix as an argument.
 */

export const PREFIX = 'idx:T:';
export const KEY_PREFIX = 'T:';
/** Every index key a fixture document may touch: the fixtures index `age` and `name`. */
export const INDEX_KEYS = indexKeysAt(PREFIX, ['age', 'name']);

export const evalScript = (redis: Redis, script: string, { keys, args }: ScriptCall): Promise<unknown> =>
  redis.eval(loadScript(script), keys.length, ...keys, ...args);

/** The server's clock in ms, to bound the scores the scripts compute from TIME. */
export async function serverMs(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Every member of a sorted set with its score, as [member, score] pairs. */
export async function members(redis: Redis, key: string): Promise<Array<[string, number]>> {
  const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
  const pairs: Array<[string, number]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as string, Number(flat[i + 1])]);
  return pairs;
}
