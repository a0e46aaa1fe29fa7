import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packReindexBatchArgs, REINDEX_BATCH } from '../../src/store/scripts/reindex-batch.js';
import { packUnindexMissingArgs, UNINDEX_MISSING } from '../../src/store/scripts/unindex-missing.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, INDEX_KEYS, KEY_PREFIX, members, PREFIX } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

async function indexed(pk: string, age: number) {
  await redis.client.set(`T:${pk}`, pk);
  const sha1 = createHash('sha1').update(pk).digest('hex');
  await evalScript(
    redis.client,
    REINDEX_BATCH,
    packReindexBatchArgs(PREFIX, INDEX_KEYS, [{ key: `T:${pk}`, pk, sha1, entries: `[["age","s",${age}]]` }]),
  );
}

const run = (pks: string[]) => evalScript(redis.client, UNINDEX_MISSING, packUnindexMissingArgs(PREFIX, INDEX_KEYS, KEY_PREFIX, pks));

describe('unindex-missing.lua', () => {
  it('takes out the entries of the pks whose document is gone, answers how many, and keeps the others', async () => {
    await indexed('a', 1);
    await indexed('b', 2);
    await indexed('c', 3);
    await redis.client.del('T:a', 'T:c');
    expect(await run(['a', 'b', 'c'])).toBe(2);
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([['b', 2]]);
    expect(await members(redis.client, `${PREFIX}@pk`)).toEqual([['b', 0]]);
    expect(await redis.client.hkeys(`${PREFIX}@entries`)).toEqual(['b']);
  });

  it('answers 0 for no pks, or none missing', async () => {
    await indexed('a', 1);
    expect(await run([])).toBe(0);
    expect(await run(['a'])).toBe(0);
  });
});
