import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DONE, PURGING, REFUSED } from '../../src/store/indexes/script-status.js';
import { DELETE_WHERE, packDeleteWhereArgs } from '../../src/store/scripts/delete-where.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, INDEX_KEYS, KEY_PREFIX, members, PREFIX } from './eval-script.js';
import { expiredBacklog, writeAged, writeThreeAged } from './index-fixture.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => writeThreeAged(redis.client));
afterAll(() => redis.close());

const OVER_15 = ['score', 'age', '15', '+inf'];

const run = (plan: unknown, { limit = 1e9, step = 100, record = undefined as string | undefined } = {}) =>
  evalScript(
    redis.client,
    DELETE_WHERE,
    packDeleteWhereArgs({
      indexPrefix: PREFIX,
      indexKeys: INDEX_KEYS,
      keyPrefix: KEY_PREFIX,
      temporaryPrefix: 'tmp:delete:',
      plan: JSON.stringify(plan),
      maxWork: limit,
      maxInstances: step,
      record: record === undefined ? undefined : { key: record, lifetimeMs: 60_000 },
    }),
  ) as Promise<number[]>;

describe('delete-where.lua', () => {
  it('answers DONE with the work, deleted, selected and taken, deleting what the plan selects with its entries', async () => {
    expect(await run(OVER_15)).toEqual([DONE, expect.any(Number), 2, 2, 2]);
    expect(await redis.client.exists('T:a', 'T:c')).toBe(0);
    expect(await redis.client.get('T:b')).toBe('{"age":10}');
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([['b', 10]]);
    expect(await members(redis.client, `${PREFIX}@pk`)).toEqual([['b', 0]]);
    expect(await redis.client.keys('tmp:*')).toEqual([]);
  });

  it('deletes at most a step, in pk order, and says how many were selected before it', async () => {
    expect(await run(['all'], { step: 2 })).toEqual([DONE, expect.any(Number), 2, 3, 2]);
    expect(await redis.client.keys('T:*')).toEqual(['T:c']);
  });

  it('counts as deleted only the documents that still existed', async () => {
    await redis.client.del('T:a');
    expect(await run(OVER_15)).toEqual([DONE, expect.any(Number), 1, 2, 2]);
    expect(await redis.client.hkeys(`${PREFIX}@entries`)).toEqual(['b']);
  });

  it('answers REFUSED with the work of deleting one when not even one fits, deleting nothing', async () => {
    const [status, work = 0] = await run(OVER_15, { limit: 0 });
    expect(status).toBe(REFUSED);
    expect(work).toBeGreaterThan(0);
    expect(await run(OVER_15, { limit: work - 1 })).toEqual([REFUSED, work]);
    expect(await redis.client.exists('T:a', 'T:b', 'T:c')).toBe(3);
    expect((await run(OVER_15, { limit: work }))[0]).toBe(DONE);
  });

  it('answers PURGING while more than one step of expired entries is due, deleting nothing yet', async () => {
    await expiredBacklog(redis.client, 1001);
    expect(await run(['all'])).toEqual([PURGING]);
    expect(await redis.client.exists('T:a', 'T:b', 'T:c')).toBe(3);
    expect(await run(['all'])).toEqual([DONE, expect.any(Number), 3, 3, 3]);
  });

  it('records a step that deleted, so that the same step sent again answers its first reply and deletes nothing more', async () => {
    const first = await run(['all'], { step: 2, record: 'wrote:step' });
    expect(first).toEqual([DONE, expect.any(Number), 2, 3, 2]);
    const pttl = await redis.client.pttl('wrote:step');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await writeAged(redis.client, 'd', 40);
    expect(await run(['all'], { step: 2, record: 'wrote:step' })).toEqual(first);
    expect((await redis.client.keys('T:*')).sort()).toEqual(['T:c', 'T:d']);
    expect((await members(redis.client, `${PREFIX}@pk`)).map(([pk]) => pk)).toEqual(['c', 'd']);
  });

  it('records no step that deleted nothing: refused, purging, or selecting nothing, it runs again when sent again', async () => {
    expect((await run(OVER_15, { limit: 0, record: 'wrote:refused' }))[0]).toBe(REFUSED);
    expect(await run(['score', 'age', '99', '+inf'], { record: 'wrote:none' })).toEqual([DONE, expect.any(Number), 0, 0, 0]);
    await expiredBacklog(redis.client, 1001);
    expect(await run(['all'], { record: 'wrote:purging' })).toEqual([PURGING]);
    expect(await redis.client.exists('wrote:refused', 'wrote:none', 'wrote:purging')).toBe(0);
    expect(await run(['all'], { record: 'wrote:purging' })).toEqual([DONE, expect.any(Number), 3, 3, 3]);
  });
});
