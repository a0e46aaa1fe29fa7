import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DONE, PURGING, REFUSED } from '../../src/store/indexes/script-status.js';
import { FIND, packFindArgs } from '../../src/store/scripts/find.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, KEY_PREFIX, PREFIX } from './eval-script.js';
import { expiredBacklog, writeAged, writeThreeAged } from './index-fixture.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => writeThreeAged(redis.client));
afterAll(() => redis.close());

interface Find {
  plan?: unknown;
  order?: [string, string, string];
  cursor?: unknown;
  first?: number;
  count?: boolean;
  refresh?: number;
  limit?: number;
}

const run = ({ plan = ['all'], order = ['pk', '', 'ASC'], cursor, first = 10, count = false, refresh = 0, limit = 1e9 }: Find) =>
  evalScript(
    redis.client,
    FIND,
    packFindArgs([
      PREFIX,
      KEY_PREFIX,
      'tmp:find:',
      JSON.stringify(plan),
      JSON.stringify(order),
      cursor === undefined ? '' : JSON.stringify(cursor),
      String(first),
      count ? '1' : '0',
      String(refresh),
      String(limit),
    ]),
  ) as Promise<Array<string | number | null>>;

/** The items of a DONE reply, five values each. */
const items = (reply: Array<string | number | null>) => {
  const out: unknown[][] = [];
  for (let i = 4; i < reply.length; i += 5) out.push(reply.slice(i, i + 5));
  return out;
};

describe('find.lua', () => {
  it('answers DONE with the work, the count, whether a page follows, and pk, document, phase, sort value and ttl per item', async () => {
    const reply = await run({ first: 2, count: true });
    expect(reply.slice(0, 4)).toEqual([DONE, expect.any(Number), 3, 1]);
    expect(items(reply)).toEqual([
      ['a', '{"age":30}', 'v', 'a', -1],
      ['b', '{"age":10}', 'v', 'b', -1],
    ]);
  });

  it('answers count -1 when not asked, and no next page once the matches end', async () => {
    const reply = await run({ first: 3 });
    expect(reply.slice(2, 4)).toEqual([-1, 0]);
    expect(items(reply).map(([pk]) => pk)).toEqual(['a', 'b', 'c']);
  });

  it('walks @pk for a pk-ordered page of a score filter without a count: the page the built set gives, for the work of the walk', async () => {
    // Enough matches that building them costs more than checking the few pks a page needs.
    for (let i = 0; i < 40; i++) await writeAged(redis.client, `d${String(i).padStart(2, '0')}`, 40 + i);
    const plan = ['score', 'age', '15', '+inf'];
    const built = await run({ plan, first: 2, count: true });
    const walked = await run({ plan, first: 2 });
    expect(items(walked)).toEqual(items(built));
    expect(items(walked).map(([pk]) => pk)).toEqual(['a', 'c']);
    expect(walked[1]).toBeLessThan(built[1] as number);
    expect(items(await run({ plan, first: 2, cursor: ['v', 'a', 'a'] })).map(([pk]) => pk)).toEqual(['c', 'd00']);
  });

  it('pages after a cursor, and selects and orders by a score index, leaving no temporary set behind', async () => {
    expect(items(await run({ cursor: ['v', 'b', 'b'] })).map(([pk]) => pk)).toEqual(['c']);
    const reply = await run({ plan: ['score', 'age', '15', '+inf'], order: ['score', 'age', 'DESC'], count: true });
    expect(reply[2]).toBe(2);
    expect(items(reply).map(([pk, , , sortValue]) => [pk, sortValue])).toEqual([
      ['a', '30'],
      ['c', '20'],
    ]);
    expect(await redis.client.keys('tmp:*')).toEqual([]);
  });

  it('refreshes the TTL of each item on the page only, and answers it', async () => {
    const reply = await run({ first: 1, refresh: 60 });
    expect(items(reply)).toEqual([['a', '{"age":30}', 'v', 'a', 60]]);
    expect(await redis.client.ttl('T:a')).toBe(60);
    expect(await redis.client.ttl('T:b')).toBe(-1);
  });

  it('answers a document deleted behind its back as nil, keeping its place, and drops its entries', async () => {
    await redis.client.del('T:a');
    const reply = await run({ first: 1, count: true });
    expect(items(reply)).toEqual([['a', null, 'v', 'a', -2]]);
    expect(reply[2]).toBe(2);
    expect(await redis.client.zscore(`${PREFIX}age`, 'a')).toBeNull();
  });

  it('answers REFUSED with the work when the estimate is over the limit, and runs at exactly the limit', async () => {
    const plan = ['score', 'age', '15', '+inf'];
    const [, work] = await run({ plan });
    expect(work).toBeGreaterThan(0);
    expect(await run({ plan, limit: Number(work) - 1 })).toEqual([REFUSED, work]);
    expect((await run({ plan, limit: Number(work) }))[0]).toBe(DONE);
    expect(await redis.client.keys('tmp:*')).toEqual([]);
  });

  it('answers PURGING while more than one step of expired entries is due, then DONE without them', async () => {
    await expiredBacklog(redis.client, 1001);
    expect(await run({})).toEqual([PURGING]);
    expect(await redis.client.zcard(`${PREFIX}@expiry`)).toBe(1);
    const reply = await run({ count: true });
    expect(reply[0]).toBe(DONE);
    expect(reply[2]).toBe(3);
    expect(await redis.client.zcard(`${PREFIX}@expiry`)).toBe(0);
  });
});
