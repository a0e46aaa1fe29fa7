import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packSetTtlArgs, SET_TTL } from '../../src/store/scripts/set-ttl.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, members, PREFIX, serverMs } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

const run = (pk: string, seconds: number) => evalScript(redis.client, SET_TTL, packSetTtlArgs(`T:${pk}`, `${PREFIX}@expiry`, pk, seconds));

describe('set-ttl.lua', () => {
  it('answers {-2} for a missing key, creating nothing', async () => {
    expect(await run('missing', 60)).toEqual([-2]);
    expect(await run('missing', 0)).toEqual([-2]);
    expect(await redis.client.exists('T:missing', `${PREFIX}@expiry`)).toBe(0);
  });

  it('sets the seconds, answers them with the document, and scores its @expiry entry at the expiry', async () => {
    await redis.client.set('T:a', '{"a":1}');
    const before = await serverMs(redis.client);
    expect(await run('a', 60)).toEqual([60, '{"a":1}']);
    const after = await serverMs(redis.client);
    expect(await redis.client.ttl('T:a')).toBe(60);
    const [[pk, score] = ['', 0]] = await members(redis.client, `${PREFIX}@expiry`);
    expect(pk).toBe('a');
    expect(score).toBeGreaterThanOrEqual(before + 60_000);
    expect(score).toBeLessThanOrEqual(after + 60_000);
  });

  it('shortens a longer TTL too', async () => {
    await redis.client.set('T:a', '{}', 'EX', 1000);
    expect(await run('a', 5)).toEqual([5, '{}']);
    expect(await redis.client.ttl('T:a')).toBe(5);
  });

  it('with 0 seconds removes the TTL and the @expiry entry, and answers -1', async () => {
    await redis.client.set('T:a', '{}');
    await run('a', 60);
    expect(await run('a', 0)).toEqual([-1, '{}']);
    expect(await redis.client.ttl('T:a')).toBe(-1);
    expect(await redis.client.exists(`${PREFIX}@expiry`)).toBe(0);
  });
});
