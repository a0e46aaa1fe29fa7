import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Order, User, models } from '../examples/shop.js';
import { createGateway, createStore, type Gateway, type StoreLimits } from '../src/index.js';
import type { Condition } from '../src/model/conditions.js';
import { redisClientOptions } from '../src/server/connect-redis.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { DEFAULT_LIMITS } from '../src/store/create-store.js';
import type { FindOptions } from '../src/store/indexes/find-models.js';
import { countCommands, isScriptCall } from './helpers/command-counter.js';
import { gatewayError } from './helpers/gateway-error.js';

/*
 * Bounded finders and deletes, against a redis-server of this file's own: its server-wide figures (INFO
 * commandstats, used_memory_peak, DEBUG DIGEST) then describe this file's commands alone. The attacks
 * measured at 20k users are replayed on 2,000 with the default limits: the estimate grows with the data
 * the same way, so what is refused here is refused there.
 */

const USERS = 2000;
let server: EmbeddedRedis;
let dir: string;
let redis: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rmg-finder-bounds-'));
  server = await startEmbeddedRedis({ dir, appendOnly: false, args: ['--enable-debug-command', 'yes'] });
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function seedUsers(count = USERS) {
  await redis.flushall();
  const store = createStore({ redis, models });
  for (let from = 0; from < count; from += 1000)
    await store.insert(
      Array.from({ length: Math.min(1000, count - from) }, (_, j) => {
        const i = from + j;
        return User.create({ name: `user-${String(i).padStart(5, '0')}`, age: i % 50, email: `u${i}@example.com` }, { pk: `u${i}` });
      }),
    );
}

const session = (limits: Partial<StoreLimits> = {}) => createStore({ redis, models, limits }).session();

/** Server-wide figures of this file's redis-server. */
async function figures() {
  const stats = await redis.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  const memory = await redis.info('memory');
  return {
    /** Commands that build a set: a refused plan ran none of them. */
    setsBuilt: ['zrangestore', 'zunionstore', 'zinterstore', 'zdiffstore', 'zadd'].reduce((sum, command) => sum + calls(command), 0),
    zdiffstore: calls('zdiffstore'),
    scripts: calls('evalsha') + calls('eval'),
    peak: Number(/used_memory_peak:(\d+)/.exec(memory)?.[1]),
    digest: String(await redis.call('DEBUG', 'DIGEST')),
  };
}

const orOfNe = (count: number): Condition => ({ or: Array.from({ length: count }, (_, i) => ({ age: { ne: i } })) });
const orOfStringRanges = (count: number): Condition => ({
  or: Array.from({ length: count }, (_, i) => ({ name: { gte: '', lt: `user-9${i}` } })),
});
function notNested(depth: number): Condition {
  let where: Condition = { age: { ne: 0 } };
  for (let i = 0; i < depth; i++) where = { not: where };
  return where;
}

/** Most bytes a refused plan may add to Redis's peak memory: the script call's own buffers, no set of members. */
const REFUSED_PEAK_GROWTH = 256 * 1024;

describe('the attacks measured at 20k users', () => {
  beforeAll(() => seedUsers());
  beforeEach(() => redis.memory('PURGE'));

  it.each<[string, Condition]>([
    ['100 or-ed ne (2.6 s at 20k users)', orOfNe(100)],
    ['15 or-ed string ranges (2 s at 20k users)', orOfStringRanges(15)],
    ['not nested 11 deep, within the depth cap', notNested(11)],
  ])(
    'refuses %s with QUERY_TOO_EXPENSIVE from the estimate alone: one script call, no set built, no memory, nothing written',
    async (_attack, where) => {
      const before = await figures();
      const error = await gatewayError(() => session().findModels(User, { where, first: 1, withTotalCount: true }));
      const after = await figures();
      expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
      expect(error.details).toMatchObject({ limit: DEFAULT_LIMITS.maxFinderWork, option: 'maxFinderWork' });
      expect(error.details.estimate).toBeGreaterThan(DEFAULT_LIMITS.maxFinderWork);
      expect(error.message).toContain(`estimated ${String(error.details.estimate)}`);
      expect(error.message).toContain(`at most ${DEFAULT_LIMITS.maxFinderWork}`);
      expect(after.scripts - before.scripts).toBe(1);
      expect(after.setsBuilt).toBe(before.setsBuilt);
      expect(after.peak - before.peak).toBeLessThan(REFUSED_PEAK_GROWTH);
      expect(after.digest).toBe(before.digest);
    },
  );

  it('runs the same 15 string ranges when the limit allows them: the figures above do see the sets a plan builds', async () => {
    const before = await figures();
    const page = await session({ maxFinderWork: Number.MAX_SAFE_INTEGER }).findModels(User, {
      where: orOfStringRanges(15),
      first: 1,
      withTotalCount: true,
    });
    const after = await figures();
    expect(page.totalCount).toBe(USERS);
    expect(after.setsBuilt - before.setsBuilt).toBeGreaterThan(15);
    expect(after.peak - before.peak).toBeGreaterThan(REFUSED_PEAK_GROWTH);
  });

  it.each<[string, Condition, string]>([
    ['not nested 999 deep (20 s at 20k users)', notNested(999), 'QUERY_TOO_COMPLEX'],
    ['1000 or-ed ne (29 s and 2.3 GB at 20k users)', orOfNe(1000), 'BAD_USER_INPUT'],
  ])('refuses %s before Redis is called', async (_attack, where, code) => {
    const { result, commands } = await countCommands(redis, 0, () => gatewayError(() => session().findModels(User, { where })));
    expect(result.code).toBe(code);
    expect(commands.filter(isScriptCall)).toEqual([]);
  });
});

describe('the estimate', () => {
  beforeAll(() => seedUsers());

  const expensive: FindOptions = { where: { or: [{ age: { lt: 10 } }, { name: { gte: 'user-01' } }] }, orderBy: { field: 'name' } };

  it('comes back with the page, and refuses exactly what is over the limit', async () => {
    const { work } = await session({ maxFinderWork: Number.MAX_SAFE_INTEGER }).findModels(User, expensive);
    expect(work).toBeGreaterThan(0);
    expect((await session({ maxFinderWork: work }).findModels(User, expensive)).work).toBe(work);
    const error = await gatewayError(() => session({ maxFinderWork: work - 1 }).findModels(User, expensive));
    expect(error).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', details: { estimate: work, limit: work - 1 } });
  });

  it('grows with the matches a plan materialises, not with the page', async () => {
    const few = await session().findModels(User, { where: { age: { eq: 1 } }, first: 1, withTotalCount: true });
    const many = await session().findModels(User, { where: { age: { lt: 25 } }, first: 1, withTotalCount: true });
    expect(many.work).toBeGreaterThan(few.work * 10);
    const noWhere = await session().findModels(User, { first: 1 });
    expect(noWhere.work).toBeLessThan(few.work);
  });

  it('counts ordering a filtered set by a string field, which walks every match’s index entries', async () => {
    const where = { age: { lt: 5 } };
    const byAge = await session().findModels(User, { where, orderBy: { field: 'age' }, first: 1 });
    const byName = await session().findModels(User, { where, orderBy: { field: 'name' }, first: 1 });
    expect(byName.work).toBeGreaterThan(byAge.work + 200);
  });

  it('answers a numeric ne from two index ranges and the nulls, never a difference with every pk', async () => {
    const before = await figures();
    const page = await session().findModels(User, { where: { age: { ne: 3 } }, first: 1, withTotalCount: true });
    const after = await figures();
    expect(page.totalCount).toBe(USERS - USERS / 50);
    expect(after.zdiffstore).toBe(before.zdiffstore);
  });

  it('is shared by every page of a request, so that aliases cannot multiply it', async () => {
    const { work } = await session().findModels(User, { where: { age: { lt: 10 } }, first: 1, withTotalCount: true });
    const gateway = createGateway({ models, redis, logging: false, limits: { maxFinderWork: work * 2 } });
    const page = `(where: { age: { lt: 10 } }, first: 1) { totalCount }`;
    const within = await execute(gateway, `{ a: allUsers${page} b: allUsers${page} }`);
    expect(within).toEqual({ data: { a: { totalCount: 400 }, b: { totalCount: 400 } } });
    const { result: over, commands } = await countCommands(redis, 0, () =>
      execute(gateway, `{ a: allUsers${page} b: allUsers${page} c: allUsers${page} }`),
    );
    // A connection is non-null, so the refused third page takes data with it; the error names it.
    expect(over.data).toBeNull();
    expect(over.errors).toHaveLength(1);
    expect(over.errors?.[0]).toMatchObject({
      path: ['c'],
      extensions: { code: 'QUERY_TOO_EXPENSIVE', estimate: work, limit: 0, maxFinderWork: work * 2 },
    });
    // The third page was refused by its script's estimate, before it built anything: three script calls in all.
    expect(commands.filter(isScriptCall)).toHaveLength(3);
    await gateway.close();
  });

  describe('of a page in pk order', () => {
    const broad: FindOptions = { where: { age: { lt: 25 } }, first: 10 };

    it('walks the pk index when the filter is broad: the same page, no set built, and the work of about the page', async () => {
      const built = await session().findModels(User, { ...broad, withTotalCount: true });
      const before = await figures();
      const walked = await session().findModels(User, broad);
      const after = await figures();
      expect(walked.edges.map((edge) => edge.node?.pk)).toEqual(built.edges.map((edge) => edge.node?.pk));
      expect(walked.pageInfo).toEqual(built.pageInfo);
      expect(after.setsBuilt).toBe(before.setsBuilt);
      // Half the users match: about two pks checked per item of the page, against a set of 1000 built.
      expect(walked.work).toBeLessThan(built.work / 10);
    });

    it('walks on from a cursor to the page the built set gives', async () => {
      const first = await session().findModels(User, broad);
      const next = await session().findModels(User, { ...broad, after: first.pageInfo.endCursor });
      const nextBuilt = await session().findModels(User, { ...broad, after: first.pageInfo.endCursor, withTotalCount: true });
      expect(next.edges).toHaveLength(10);
      expect(next.edges.map((edge) => edge.node?.pk)).toEqual(nextBuilt.edges.map((edge) => edge.node?.pk));
      expect(next.edges[0]?.node?.pk).not.toBe(first.edges[0]?.node?.pk);
    });

    it('builds the set when the filter is narrow, where walking would check most pks', async () => {
      const before = await figures();
      const page = await session().findModels(User, { where: { age: { eq: 1 } }, first: 10 });
      const after = await figures();
      expect(page.edges).toHaveLength(10);
      expect(after.setsBuilt).toBeGreaterThan(before.setsBuilt);
    });

    // Each range holds half the users, so the estimate expects half to match; none does.
    const never: FindOptions = { where: { and: [{ age: { lt: 25 } }, { age: { gte: 25 } }] }, first: 10 };

    it('gives up a walk that has spent what building costs, and builds: a page costs at most twice its build', async () => {
      const estimate = (await session().findModels(User, { ...never, withTotalCount: true })).work;
      const page = await session().findModels(User, never);
      expect(page.edges).toEqual([]);
      expect(page.work).toBeGreaterThan(estimate);
      expect(page.work).toBeLessThanOrEqual(2 * estimate);
    });

    it('builds the set after all when the walk would spend more than the limit leaves, and stays within the limit', async () => {
      const estimate = (await session().findModels(User, { ...never, withTotalCount: true })).work;
      // Enough room for the walk the estimate expects (22 pks of 5 each), not for the 2000 it would need.
      const room = 200;
      const before = await figures();
      const page = await session({ maxFinderWork: estimate + room }).findModels(User, never);
      const after = await figures();
      expect(page.edges).toEqual([]);
      expect(page.work).toBeGreaterThan(estimate);
      expect(page.work).toBeLessThanOrEqual(estimate + room);
      expect(after.setsBuilt).toBeGreaterThan(before.setsBuilt);
    });
  });

  it('applies to the TypeScript store and to GraphQL alike, with the same code and figures', async () => {
    const gateway = createGateway({ models, redis, logging: false, limits: { maxFinderWork: 1000 } });
    const response = await execute(gateway, `{ allUsers(where: { or: [{ age: { ne: 1 } }, { age: { ne: 2 } }] }) { totalCount } }`);
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', limit: 1000, option: 'maxFinderWork' });
    await gateway.close();
  });
});

describe('where depth through GraphQL', () => {
  it('refuses a where nested past maxWhereDepth with QUERY_TOO_COMPLEX naming the limit', async () => {
    const gateway = createGateway({ models, redis, logging: false, limits: { maxWhereDepth: 3 } });
    const response = await execute(gateway, `{ allUsers(where: { not: { not: { not: { age: { eq: 1 } } } } }) { totalCount } }`);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', option: 'maxWhereDepth', limit: 3 });
    const within = await execute(gateway, `{ allUsers(where: { not: { not: { age: { eq: 1 } } } }) { totalCount } }`);
    expect(within.errors).toBeUndefined();
    await gateway.close();
  });
});

describe('cursors', () => {
  beforeAll(() => seedUsers(10));

  it('refuses the forged cursor ["age ASC","v"," ","x"] with BAD_USER_INPUT, before Redis', async () => {
    const gateway = createGateway({ models, redis, logging: false });
    const after = Buffer.from(JSON.stringify(['age ASC', 'v', ' ', 'x'])).toString('base64url');
    const { result, commands } = await countCommands(redis, 0, () =>
      execute(gateway, `query ($after: String) { allUsers(orderBy: { field: age }, after: $after) { totalCount } }`, { after }),
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(commands.filter(isScriptCall)).toEqual([]);
    await gateway.close();
  });

  describe('after an item that shares its score with others left the index or moved', () => {
    // 200 users, 4 of each age: by age ASC, ties by pk: u0 u100 u150 u50 u1 ...; DESC: u99 u49 u199 u149 u98 ...
    beforeEach(() => seedUsers(200));
    const byAge = (direction: 'ASC' | 'DESC', first: number, after: string | null = null) =>
      session().findModels(User, { orderBy: { field: 'age', direction }, first, after });
    const pks = (page: { edges: Array<{ node: { pk: string } | null }> }) => page.edges.map((edge) => edge.node!.pk);
    const moveTo = (pk: string, age: number) =>
      createStore({ redis, models }).insert([User.create({ name: `user-${pk}`, age, email: `${pk}@example.com` }, { pk })]);

    it('pages on from where it was when it is gone', async () => {
      const first = await byAge('ASC', 3);
      expect(pks(first)).toEqual(['u0', 'u100', 'u150']);
      await session().deleteMany(['User:u150']);
      expect(pks(await byAge('ASC', 2, first.pageInfo.endCursor))).toEqual(['u50', 'u1']);
    });

    it('pages on from where it was when it moved past the cursor, or before it', async () => {
      const first = await byAge('DESC', 3);
      expect(pks(first)).toEqual(['u99', 'u49', 'u199']);
      await moveTo('u199', 0);
      expect(pks(await byAge('DESC', 2, first.pageInfo.endCursor))).toEqual(['u149', 'u98']);
      await moveTo('u199', 60);
      expect(pks(await byAge('DESC', 2, first.pageInfo.endCursor))).toEqual(['u149', 'u98']);
      expect(pks(await byAge('DESC', 1))).toEqual(['u199']);
    });

    it('reads no item that shares the score: a rank, not a pass over the ties', async () => {
      const first = await byAge('ASC', 3);
      await session().deleteMany(['User:u150']);
      const before = await figures();
      await byAge('ASC', 2, first.pageInfo.endCursor);
      const after = await figures();
      // One ZADD to put the item back for a rank and one ZREM after: no set of ties is built.
      expect(after.setsBuilt - before.setsBuilt).toBe(1);
    });
  });
});

describe('deletes in steps', () => {
  beforeEach(() => seedUsers());

  it('deletes every instance in script calls of at most deleteStep instances each', async () => {
    const { result, commands } = await countCommands(redis, 0, () => session({ deleteStep: 300 }).deleteAll(User));
    expect(result).toEqual({ count: USERS, byModel: { User: USERS } });
    expect(commands.filter(isScriptCall)).toHaveLength(Math.ceil(USERS / 300));
    expect(await redis.zcard('rmg:idx:User:@pk')).toBe(0);
    // Nothing is left but the records of the inserts that seeded them, which expire within a minute.
    expect((await redis.keys('*')).filter((key) => !key.startsWith('rmg:wrote:'))).toEqual([]);
  });

  it('says how many it deleted when Redis fails between steps, instead of "nothing was written"', async () => {
    await seedUsers(1200);
    const client = new Redis(server.url, redisClientOptions(1000));
    client.on('error', () => {});
    await new Promise((ready) => client.once('ready', ready));
    let steps = 0;
    // The connection is lost just as the second step is sent: a real fault, at a point the test chooses.
    const events = { roundTrip: (command: string) => void (command === 'deleteWhere' && ++steps === 2 && client.disconnect()) };
    const store = createStore({ redis: client, models, limits: { deleteStep: 500 } });
    const error = await gatewayError(() => store.session({ events }).deleteAll(User));
    expect(['REDIS_UNAVAILABLE', 'WRITE_OUTCOME_UNKNOWN']).toContain(error.code);
    expect(error.details).toMatchObject({ deleted: 500 });
    expect(error.message).toMatch(/^500 instances were deleted in 1 step before this one failed: /);
    expect(error.message).not.toContain('nothing was written');
    expect(await redis.zcard('rmg:idx:User:@pk')).toBe(700);
  });

  it('deletes by where in steps, and deletes nothing more than the where selects', async () => {
    const { result, commands } = await countCommands(redis, 0, () => session({ deleteStep: 15 }).deleteWhere(User, { age: { lt: 2 } }));
    expect(result.count).toBe(USERS / 25);
    expect(commands.filter(isScriptCall)).toHaveLength(Math.ceil(USERS / 25 / 15));
    expect((await session().findModels(User, { first: 0, withTotalCount: true })).totalCount).toBe(USERS - USERS / 25);
  });

  it('refuses a delete whose where is too expensive to select, with QUERY_TOO_EXPENSIVE, deleting nothing', async () => {
    const before = await figures();
    const error = await gatewayError(() => session().deleteWhere(User, orOfNe(100)));
    const after = await figures();
    expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error.message).toContain('deleteUsers');
    expect(after.digest).toBe(before.digest);
    expect(after.setsBuilt).toBe(before.setsBuilt);
  });

  it('refuses it through GraphQL too, with data null and the estimate and limit in extensions', async () => {
    const gateway = createGateway({ models, redis, logging: false });
    const response = await execute(gateway, `mutation { deleteUsers(where: { or: [${'{ age: { ne: 1 } }, '.repeat(20)}] }) { count } }`);
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', limit: DEFAULT_LIMITS.maxFinderWork });
    expect(await redis.zcard('rmg:idx:User:@pk')).toBe(USERS);
    await gateway.close();
  });
});

describe('the purge of expired entries', () => {
  it('purges a large backlog in bounded script calls of at most 1000 entries, then answers', async () => {
    await redis.flushall();
    const store = createStore({ redis, models });
    for (let from = 0; from < 2500; from += 1000)
      await store.insert(
        Array.from({ length: 1000 }, (_, j) =>
          Order.create({ userId: 'User:u1', productId: 'Product:p', quantity: 1, placedAt: new Date(0) }, { pk: `o${from + j}` }),
        ).slice(0, Math.min(1000, 2500 - from)),
      );
    // Their keys gone, as at expiry, and their entries due.
    const pks = await redis.zrange('rmg:idx:Order:@pk', '0', '-1');
    await redis.del(...pks.map((pk) => `Order:${pk}`));
    await redis.zadd('rmg:idx:Order:@expiry', ...pks.flatMap((pk) => ['1', pk]));
    const { result, commands } = await countCommands(redis, 0, () => session().findModels(Order, { withTotalCount: true }));
    expect(result.totalCount).toBe(0);
    expect(commands.filter(isScriptCall)).toHaveLength(3);
    expect(await redis.zcard('rmg:idx:Order:@expiry')).toBe(0);
  });
});

describe('over maxmemory', () => {
  beforeEach(async () => {
    await seedUsers(500);
    await createStore({ redis, models }).insert([
      Order.create({ userId: 'User:u1', productId: 'Product:p', quantity: 1, placedAt: new Date(0) }, { pk: 'o1' }),
    ]);
  });

  /** Makes Redis be over its maxmemory, as a full Redis under noeviction is, for the time of `action`. */
  async function whileFull<T>(action: () => Promise<T>): Promise<T> {
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    try {
      return await action();
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
  }

  it('refuses a finder before it starts with REDIS_UNAVAILABLE, writing nothing, not even the purge of expired entries', async () => {
    // An expired entry due for the purge: its key is gone, its index entries are still there.
    await redis.del('Order:o1');
    await redis.zadd('rmg:idx:Order:@expiry', 1, 'o1');
    const before = await figures();
    const error = await whileFull(() => gatewayError(() => session().findModels(User, { where: { age: { eq: 1 } } })));
    const purge = await whileFull(() => gatewayError(() => session().findModels(Order, {})));
    const after = await figures();
    expect(error.code).toBe('REDIS_UNAVAILABLE');
    expect(error.message).toContain('maxmemory');
    expect(purge.code).toBe('REDIS_UNAVAILABLE');
    expect(after.digest).toBe(before.digest);
    expect(await redis.zscore('rmg:idx:Order:@expiry', 'o1')).toBe('1');
    // Once under maxmemory again, the finder runs and purges.
    expect((await session().findModels(Order, { withTotalCount: true })).totalCount).toBe(0);
    expect(await redis.zscore('rmg:idx:Order:@expiry', 'o1')).toBeNull();
  });

  it('answers REDIS_UNAVAILABLE through GraphQL, not INTERNAL_SERVER_ERROR', async () => {
    const gateway = createGateway({ models, redis, logging: false });
    const response = await whileFull(() => execute(gateway, `{ allUsers(where: { age: { eq: 1 } }) { totalCount } }`));
    expect(response.errors?.[0]?.extensions?.code).toBe('REDIS_UNAVAILABLE');
    await gateway.close();
  });

  it('still deletes by where, in steps, since deleting is how a full Redis gets memory back', async () => {
    const result = await whileFull(() => session({ deleteStep: 100 }).deleteWhere(User, { age: { lt: 10 } }));
    expect(result.count).toBe(100);
  });
});

async function execute(gateway: Gateway, query: string, variables: Record<string, unknown> = {}) {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}
