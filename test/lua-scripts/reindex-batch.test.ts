import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packReindexBatchArgs, REINDEX_BATCH, type ReindexDocument } from '../../src/store/scripts/reindex-batch.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, INDEX_KEYS, members, PREFIX, serverMs } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const document = (pk: string, read: string, entries: string): ReindexDocument => ({ key: `T:${pk}`, pk, sha1: sha1(read), entries });
const run = (documents: ReindexDocument[]) => evalScript(redis.client, REINDEX_BATCH, packReindexBatchArgs(PREFIX, INDEX_KEYS, documents));

describe('reindex-batch.lua', () => {
  it('indexes each document still holding the text read, and answers how many, with no pk taken out', async () => {
    await redis.client.set('T:a', 'A');
    await redis.client.set('T:b', 'B');
    expect(await run([document('a', 'A', '[["age","s",1]]'), document('b', 'B', '[["age","s",2]]')])).toEqual([2, []]);
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(await redis.client.exists(`${PREFIX}@expiry`)).toBe(0);
  });

  it('leaves alone a document rewritten or deleted since it was read', async () => {
    await redis.client.set('T:a', 'newer');
    expect(await run([document('a', 'A', '[["age","s",1]]'), document('gone', 'G', '[["age","s",2]]')])).toEqual([0, []]);
    expect(await redis.client.exists(`${PREFIX}age`, `${PREFIX}@pk`)).toBe(0);
  });

  it('takes a document with no entries ("") out of the indexes and answers its pk', async () => {
    await redis.client.set('T:a', 'A');
    await run([document('a', 'A', '[["age","s",1]]')]);
    await redis.client.set('T:a', 'corrupt');
    expect(await run([document('a', 'corrupt', '')])).toEqual([0, ['a']]);
    expect(await redis.client.exists(`${PREFIX}age`, `${PREFIX}@pk`, `${PREFIX}@entries`)).toBe(0);
    expect(await redis.client.get('T:a')).toBe('corrupt');
  });

  it("scores the @expiry entry of a document with a TTL at the key's expiry", async () => {
    await redis.client.set('T:a', 'A', 'PX', 50_000);
    const before = await serverMs(redis.client);
    await run([document('a', 'A', '[]')]);
    const after = await serverMs(redis.client);
    const [[pk, score] = ['', 0]] = await members(redis.client, `${PREFIX}@expiry`);
    expect(pk).toBe('a');
    expect(score).toBeGreaterThan(before + 49_000);
    expect(score).toBeLessThanOrEqual(after + 50_000);
  });
});
