import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGateway, createStore, defineModel, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { DEFAULT_LIMITS } from '../src/store/create-store.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import type { FindOptions, Page } from '../src/store/indexes/find-models.js';
import { assignSlot, keysEverywhere, migrate, postGraphQL, primaryFor, startMigration } from './helpers/cluster-keys.js';
import { isScriptCall } from './helpers/command-counter.js';
import { gatewayError } from './helpers/gateway-error.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openStandaloneRedis, type StandaloneRedis } from './helpers/redis.js';
import { openClusterGateway, type ClusterGateway } from './helpers/test-cluster.js';

/*
 * Finders on the test cluster, checked against the same documents on one redis-server: every page,
 * cursor and count must be the same. The cluster is shared with other spec files, so the models are this
 * run's own (their names carry the run), and commands are counted on this file's connections only.
 */
const run = randomBytes(4).toString('hex').toUpperCase();
const connectionName = `cluster-finders-${run}`;

const Item = defineModel(
  `Item${run}`,
  z.object({ n: z.int32().nullable(), s: z.string().nullable(), tier: z.enum(['GOLD', 'SILVER']).optional() }),
  { index: ['n', 's', 'tier'] },
);
/** Read pages refresh its TTLs. */
const Visit = defineModel(`Visit${run}`, z.object({ n: z.int32() }), { index: ['n'], ttl: 600 });

const COUNT = 60;
const pks = Array.from({ length: COUNT }, (_, i) => `p${i}`);
const valueOf = (i: number) => ({
  n: i % 7 === 0 ? null : (i * 37) % 20,
  s: i % 5 === 0 ? null : `s${(i * 13) % 12}`,
  ...(i % 3 === 0 ? {} : { tier: i % 2 === 0 ? ('GOLD' as const) : ('SILVER' as const) }),
});

let setup: ClusterGateway;
let client: Cluster;
let primaries: Map<string, Redis>;
let onCluster: Store;
let single: StandaloneRedis;
let onOne: Store;

beforeAll(async () => {
  setup = await openClusterGateway([Item, Visit], { redisOptions: { connectionName } });
  ({ client, primaries } = setup);
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
  onCluster = createStore({ redis: client, models: [Item, Visit] });
  single = await openStandaloneRedis();
  onOne = createStore({ redis: single.client, models: [Item, Visit] });
  // One document a call: each in its own slot, as explicit pks without a common tag fall.
  for (const [i, pk] of pks.entries()) {
    await onCluster.insert([Item.create(valueOf(i), { pk })]);
    await onOne.insert([Item.create(valueOf(i), { pk })]);
  }
});
afterAll(async () => {
  await single.close();
  await setup.close();
});

const perPrimary = <T>(action: () => Promise<T>) => perPrimaryCommands(client, primaries, connectionName, action);

/** Every page of a traversal: what a client sees of each. */
async function traverse(store: Store, options: FindOptions) {
  const pages: Array<Pick<Page, 'pageInfo' | 'totalCount'> & { edges: Array<[string, string, unknown]> }> = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.session().findModels(Item, { ...options, after });
    pages.push({
      edges: page.edges.map((edge) => [edge.cursor, edge.node?.pk ?? '', edge.node?.value]),
      pageInfo: page.pageInfo,
      totalCount: page.totalCount,
    });
    if (!page.pageInfo.hasNextPage || pages.length > COUNT + 1) return pages;
    after = page.pageInfo.endCursor;
  }
}

describe('finders on a Redis Cluster', () => {
  it('seeds documents over many slots of every primary', () => {
    const keys = pks.map((pk) => `${Item.name}:${pk}`);
    expect(new Set(keys.map((key) => client.slots[keySlot(key)]?.[0])).size).toBe(3);
    expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(50);
  });

  it.each<[string, FindOptions]>([
    ['by pk', {}],
    ['by a number', { orderBy: { field: 'n' } }],
    ['by a number, descending', { orderBy: { field: 'n', direction: 'DESC' } }],
    ['by a string', { orderBy: { field: 's' } }],
    ['by a string, descending, with where', { orderBy: { field: 's', direction: 'DESC' }, where: { n: { gte: 5 } } }],
    ['by an enum with nulls, where on a string', { orderBy: { field: 'tier' }, where: { s: { gt: 's1' } } }],
    ['by pk, where null or not', { where: { or: [{ n: { eq: null } }, { not: { tier: { eq: 'GOLD' } } }] } }],
  ])('pages %s exactly as one Redis does: edges, cursors, hasNextPage and totalCount', async (_, options) => {
    for (const first of [1, 4, COUNT]) {
      const query = { ...options, first, withTotalCount: first !== 4 };
      const expected = await traverse(onOne, query);
      expect(await traverse(onCluster, query)).toEqual(expected);
      expect(expected.at(-1)?.pageInfo.hasNextPage).toBe(false);
    }
  });

  it('continues from a cursor of one Redis: a cursor is the same position in both', async () => {
    const first = await onOne.session().findModels(Item, { orderBy: { field: 'n' }, first: 7 });
    const after = first.pageInfo.endCursor;
    const next = (store: Store) => store.session().findModels(Item, { orderBy: { field: 'n' }, first: 7, after });
    expect((await next(onCluster)).edges.map((edge) => edge.node?.pk)).toEqual((await next(onOne)).edges.map((edge) => edge.node?.pk));
  });

  it('sends each primary two script calls for a page, the estimate and the page, and nothing else', async () => {
    const page = () => onCluster.session().findModels(Item, { where: { n: { lt: 10 } }, orderBy: { field: 's' }, first: 5 });
    await page();
    const { result, commands, pipelines } = await perPrimary(page);
    expect(result.edges).toHaveLength(5);
    expect(pipelines).toBe(0);
    expect([...commands.values()].map((seen) => seen.map((command) => [command.name, command.args[1]]))).toEqual(
      [...primaries.keys()].map(() => [
        ['evalsha', '0'],
        ['evalsha', '0'],
      ]),
    );
    expect(await keysEverywhere(primaries, 'rmg:tmp:*')).toEqual([]);
  });
});

describe('finder limits on a Redis Cluster', () => {
  it('refuses a page over maxFinderWork after the estimate alone, one call per primary: nothing built', async () => {
    const cheap = await onCluster.session().findModels(Item, { where: { n: { gte: 0 } }, orderBy: { field: 's' }, first: 5 });
    const limited = createStore({ redis: client, models: [Item], limits: { maxFinderWork: cheap.work - 1 } });
    const { result: error, commands } = await perPrimary(() =>
      gatewayError(() => limited.session().findModels(Item, { where: { n: { gte: 0 } }, orderBy: { field: 's' }, first: 5 })),
    );
    expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error.message).toContain(`estimated ${cheap.work}`);
    expect([...commands.values()].map((seen) => seen.filter(isScriptCall).length)).toEqual([1, 1, 1]);
    expect(await keysEverywhere(primaries, 'rmg:tmp:*')).toEqual([]);
  });

  it('draws the work of every page of a request, summed over the primaries, on one maxFinderWork', async () => {
    const where = { n: { gte: 0 } };
    const { work } = await onCluster.session().findModels(Item, { where, first: 1, withTotalCount: true });
    const gateway = createGateway({ models: [Item], redis: client, logging: false, limits: { maxFinderWork: work * 2 } });
    try {
      const page = `(where: { n: { gte: 0 } }, first: 1) { totalCount }`;
      const field = `all${Item.name}s`;
      const within = await postGraphQL(gateway, `{ a: ${field}${page} b: ${field}${page} }`);
      const count = (await onOne.session().findModels(Item, { where, withTotalCount: true })).totalCount;
      expect(within).toEqual({ data: { a: { totalCount: count }, b: { totalCount: count } } });
      const { result: over, commands } = await perPrimary(() =>
        postGraphQL(gateway, `{ a: ${field}${page} b: ${field}${page} c: ${field}${page} }`),
      );
      // A connection is non-null, so the refused third page takes data with it; the error names it.
      expect(over.data).toBeNull();
      expect(over.errors).toHaveLength(1);
      expect(over.errors?.[0]).toMatchObject({
        path: ['c'],
        extensions: { code: 'QUERY_TOO_EXPENSIVE', estimate: work, limit: 0, maxFinderWork: work * 2 },
      });
      // Two pages of two calls a primary, then the third page's estimate alone.
      expect([...commands.values()].map((seen) => seen.filter(isScriptCall).length)).toEqual([5, 5, 5]);
    } finally {
      await gateway.close();
    }
  });
});

describe('TTLs on a Redis Cluster', () => {
  it('purges expired documents from every shard, and never returns or counts them; a refused page purges nothing', async () => {
    const session = onCluster.session();
    const expiring = ['p1', 'p2', 'p3', 'p40'].map((pk) => `${Item.name}:${pk}`);
    for (const key of expiring) await session.setTtl(key, 1);
    const expiryKeys = expiring.map((key) => `${clusterKeyspace.indexPrefix(Item.name, key)}@expiry`);
    const holders = expiring.map((key) => primaryFor(client, primaries, key));
    for (let poll = 0; (await Promise.all(expiring.map((key) => client.exists(key)))).some(Boolean); poll++) {
      if (poll > 400) throw new Error('the keys did not expire');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    try {
      expect(await Promise.all(expiryKeys.map((key, i) => holders[i]!.zcard(key)))).toEqual([1, 1, 1, 1]);
      // A page refused by its estimate purges nothing either.
      const limited = createStore({ redis: client, models: [Item], limits: { maxFinderWork: 1 } });
      expect((await gatewayError(() => limited.session().findModels(Item, { first: COUNT }))).code).toBe('QUERY_TOO_EXPENSIVE');
      expect(await Promise.all(expiryKeys.map((key, i) => holders[i]!.zcard(key)))).toEqual([1, 1, 1, 1]);
      const page = await onCluster.session().findModels(Item, { first: COUNT, withTotalCount: true });
      expect(page.totalCount).toBe(COUNT - expiring.length);
      expect(page.edges.map((edge) => edge.node?.key)).not.toEqual(expect.arrayContaining([expiring[0]]));
      expect(await Promise.all(expiryKeys.map((key, i) => holders[i]!.zcard(key)))).toEqual([0, 0, 0, 0]);
    } finally {
      for (const [i, pk] of pks.entries())
        if (expiring.includes(`${Item.name}:${pk}`)) await onCluster.insert([Item.create(valueOf(i), { pk })]);
    }
  });

  it("refreshes the TTLs of the page's documents only, as one Redis does", async () => {
    const visits = Array.from({ length: 12 }, (_, i) => Visit.create({ n: i }, { pk: `v${i}` }));
    for (const visit of visits) await onCluster.insert([visit]);
    const session = onCluster.session();
    for (const visit of visits) await session.setTtl(visit.key, 5000);
    const page = await onCluster.session().findModels(Visit, { orderBy: { field: 'n' }, first: 3 });
    expect(page.edges.map((edge) => [edge.node?.pk, edge.node?.ttl])).toEqual([
      ['v0', 600],
      ['v1', 600],
      ['v2', 600],
    ]);
    const ttls = await Promise.all(visits.map((visit) => client.ttl(visit.key)));
    expect(ttls.slice(0, 3).every((ttl) => ttl <= 600)).toBe(true);
    expect(ttls.slice(3).every((ttl) => ttl > 600)).toBe(true);
  });
});

describe('finders while slots move', () => {
  /** A slot of the seeded documents, its owner, and another primary. */
  function slotToMove(reader: Cluster) {
    const key = `${Item.name}:${pks[0]}`;
    const slot = keySlot(key);
    const from = primaries.get(reader.slots[slot]?.[0] ?? '')!;
    const to = [...primaries.values()].find((primary) => primary !== from)!;
    return { slot, from, to };
  }

  async function moveBack(slot: number, from: Redis, to: Redis) {
    await startMigration(slot, to, from);
    await migrate(slot, to, from);
    await assignSlot(slot, [from, to], from);
  }

  it('answers the page when a slot moved since the client learned the map, which it then reads again', async () => {
    const reader = setup.cluster.connect();
    await reader.ping();
    const store = createStore({ redis: reader, models: [Item] });
    const { slot, from, to } = slotToMove(reader);
    await startMigration(slot, from, to);
    await migrate(slot, from, to);
    await assignSlot(slot, [from, to], to);
    try {
      const query = { orderBy: { field: 's' }, first: 9, withTotalCount: true } as const;
      expect(await traverse(store, query)).toEqual(await traverse(onOne, query));
      expect(reader.slots[slot]?.[0]).toBe(`${to.options.host}:${to.options.port}`);
    } finally {
      await moveBack(slot, from, to);
    }
  });

  it('waits out a slot being migrated (TRYAGAIN) and answers the page once it has moved', async () => {
    // A finder's call on the migrating slot declares a temporary set, which no node holds yet: Redis answers
    // TRYAGAIN until the move ends, and the client retries. This spec's client retries long enough for it.
    const reader = setup.cluster.connect({ maxRedirections: 200 });
    await reader.ping();
    const store = createStore({ redis: reader, models: [Item] });
    const { slot, from, to } = slotToMove(reader);
    const refusedBefore = await tryagainCount(from);
    await startMigration(slot, from, to);
    try {
      const page = store.session().findModels(Item, { first: COUNT, withTotalCount: true });
      // Barrier: the page has met TRYAGAIN on the migrating slot before the move goes on.
      for (let poll = 0; (await tryagainCount(from)) === refusedBefore; poll++) {
        if (poll > 1000) throw new Error('the page never reached the migrating slot');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await migrate(slot, from, to);
      await assignSlot(slot, [from, to], to);
      const expected = await onOne.session().findModels(Item, { first: COUNT, withTotalCount: true });
      const found = await page;
      expect(found.edges.map((edge) => edge.node?.pk)).toEqual(expected.edges.map((edge) => edge.node?.pk));
      expect(found.totalCount).toBe(COUNT);
      expect(await keysEverywhere(primaries, 'rmg:tmp:*')).toEqual([]);
    } finally {
      await moveBack(slot, from, to);
    }
  });
});

describe('finders over a model whose pks the gateway generates', () => {
  it('page it within the default maxFinderWork however many calls wrote it: its documents keep to every 16th slot', async () => {
    const Note = defineModel(`Note${run}`, z.object({ n: z.int32() }), { index: ['n'] });
    const store = createStore({ redis: client, models: [Note] });
    // 1500 calls of one document each: with pks drawn over all 16384 slots they would fill about 1400
    // slots, as the explicit pks above do, and a page would be refused by default.
    const keys: string[] = [];
    for (let batch = 0; batch < 15; batch++) {
      const written = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.insert([Note.create({ n: batch * 100 + i }, { pk: store.newPks()() })])),
      );
      keys.push(...written.flat().map((instance) => instance.key));
    }
    const slots = new Set(keys.map(keySlot));
    expect([...slots].filter((slot) => slot % 16 !== 0)).toEqual([]);
    expect(slots.size).toBeGreaterThan(600);
    const page = await store.session().findModels(Note, { first: 50, where: { n: { gte: 100 } }, withTotalCount: true });
    expect(page.edges).toHaveLength(50);
    expect(page.totalCount).toBe(1400);
    expect(page.work).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFinderWork);
  });
});

/** How many commands `node` has refused with TRYAGAIN since it started. */
async function tryagainCount(node: Redis): Promise<number> {
  const stats = await node.info('errorstats');
  return Number(/errorstat_TRYAGAIN:count=(\d+)/.exec(stats)?.[1] ?? 0);
}
