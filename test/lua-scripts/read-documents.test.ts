import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packReadDocumentsArgs, READ_DOCUMENTS, type DocumentRead } from '../../src/store/scripts/read-documents.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, members, PREFIX, serverMs } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

const read = (pk: string, refreshSeconds = 0): DocumentRead => ({ key: `T:${pk}`, refreshSeconds, indexPrefix: PREFIX, pk });
const run = (reads: DocumentRead[], wantTtl: boolean) => evalScript(redis.client, READ_DOCUMENTS, packReadDocumentsArgs(reads, wantTtl));

describe('read-documents.lua', () => {
  it('answers each key in order with its text, and nil for a missing key, with ttl -2 when no TTL is asked', async () => {
    await redis.client.set('T:a', '{"a":1}', 'EX', 100);
    await redis.client.set('T:b', '{"b":2}');
    expect(await run([read('b'), read('missing'), read('a')], false)).toEqual([
      ['{"b":2}', -2],
      [null, -2],
      ['{"a":1}', -2],
    ]);
  });

  it('answers the TTL when asked: -1 without one, the seconds left with one, -2 for a missing key', async () => {
    await redis.client.set('T:a', '{}', 'EX', 100);
    await redis.client.set('T:b', '{}');
    const reply = (await run([read('a'), read('b'), read('missing')], true)) as Array<[string | null, number]>;
    expect(reply[0]?.[1]).toBeGreaterThan(95);
    expect(reply[0]?.[1]).toBeLessThanOrEqual(100);
    expect(reply.slice(1)).toEqual([
      ['{}', -1],
      [null, -2],
    ]);
  });

  it('refreshes a key to its seconds, answers them as its TTL, and scores its @expiry entry at the new expiry', async () => {
    await redis.client.set('T:a', '{}', 'EX', 1000);
    const before = await serverMs(redis.client);
    expect(await run([read('a', 30)], false)).toEqual([['{}', 30]]);
    const after = await serverMs(redis.client);
    expect(await redis.client.ttl('T:a')).toBe(30);
    const [[pk, score] = ['', 0]] = await members(redis.client, `${PREFIX}@expiry`);
    expect(pk).toBe('a');
    expect(score).toBeGreaterThanOrEqual(before + 30_000);
    expect(score).toBeLessThanOrEqual(after + 30_000);
  });

  it('neither creates nor indexes a missing key it was asked to refresh', async () => {
    expect(await run([read('missing', 30)], true)).toEqual([[null, -2]]);
    expect(await redis.client.exists('T:missing', `${PREFIX}@expiry`)).toBe(0);
  });

  it('reads a key holding another Redis type as missing, and leaves it alone', async () => {
    await redis.client.hset('T:hash', 'f', 'v');
    expect(await run([read('hash', 30)], true)).toEqual([[null, -2]]);
    expect(await redis.client.ttl('T:hash')).toBe(-1);
  });
});
