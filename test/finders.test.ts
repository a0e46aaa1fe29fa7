import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels, Order, Product, User } from '../examples/shop.js';
import { defineModel, GatewayError, type Draft } from '../src/index.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import {
  AllOrdersDocument,
  AllProductsDocument,
  AllUsersDocument,
  AllUsersWithCountDocument,
  AllUsersWithTtlDocument,
  DeleteUsersDocument,
  NodeWithTtlDocument,
  type AllUsersQuery,
  type AllUsersQueryVariables,
  type UserOrderBy,
  type UserWhere,
} from './generated/graphql.js';
import { isScriptCall, type SeenCommand } from './helpers/command-counter.js';
import { onCluster } from './helpers/modes.js';
import { PEOPLE, seedPeople as seedPeopleInto } from './helpers/people.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';
import { codeOf } from './helpers/gateway-error.js';

/*
 * all<Model>s over GraphQL, and the same finders in the TypeScript store, against a real Redis.
 * Expected results are written out by hand: they are the specification. The property test
 * (finders-property.test.ts) checks the same rules against the lock conditions' evaluator.
 */

/** Nullable and optional indexed fields of every indexable kind, and a field that is not indexed. */
const Gadget = defineModel(
  'Gadget',
  z.object({
    label: z.string().nullable(),
    size: z.int32().optional(),
    weight: z.number().nullable().optional(),
    active: z.boolean().optional(),
    grade: z.enum(['LOW', 'MID', 'HIGH']).nullable(),
    madeAt: z.date().optional(),
    memo: z.string().default(''),
  }),
  { index: ['label', 'size', 'weight', 'active', 'grade', 'madeAt'] },
);

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway({ models: [...shopModels, Gadget] });
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

const seedPeople = () => seedPeopleInto(t);
/** Writes documents whose pks share no slot on a cluster: there a step per slot (PER_SLOT), on one Redis one write. */
const seed = (drafts: Draft[]) => t.gateway.store.insert(drafts, { atomicity: 'PER_SLOT' });

type UserPage = AllUsersQuery['allUsers'];

/** One page of allUsers; fails the test on any error. */
async function usersPage(variables: AllUsersQueryVariables): Promise<UserPage> {
  const { data, errors } = await t.execute(AllUsersDocument, variables);
  expect(errors).toBeUndefined();
  if (!data) throw new Error('allUsers answered no data');
  return data.allUsers;
}

/** On a cluster, the primary (`host:port`) serving `key`'s slot, as the client's slot map says. */
const primaryOf = (key: string) => (t.redis.client as Cluster).slots[keySlot(key)]?.[0];
/** On a cluster, every primary (`host:port`). */
const everyPrimary = () => (t.redis.client as Cluster).nodes('master').map(({ options: { host, port } }) => `${host}:${port}`);
/** How many commands each node received ("redis" on one Redis). */
const callsByNode = (commands: readonly SeenCommand[]) => {
  const calls: Record<string, number> = {};
  for (const { node = 'redis' } of commands) calls[node] = (calls[node] ?? 0) + 1;
  return calls;
};

const pksOf = (page: { edges: ReadonlyArray<{ node: { pk: string } | null }> }) => page.edges.map((edge) => edge.node!.pk);

/** Follows endCursor until hasNextPage is false; `between` runs after each page but the last. */
async function traverseUsers(
  variables: AllUsersQueryVariables,
  between: (page: UserPage, index: number) => Promise<void> = async () => {},
) {
  const pages: UserPage[] = [];
  let after: string | null = null;
  for (let index = 0; index < 200; index++) {
    const page = await usersPage({ ...variables, after });
    pages.push(page);
    if (!page.pageInfo.hasNextPage) return pages;
    expect(page.pageInfo.endCursor).not.toBeNull();
    after = page.pageInfo.endCursor;
    await between(page, index);
  }
  throw new Error('the traversal did not end within 200 pages');
}

interface GadgetsData {
  allGadgets: {
    edges: Array<{ cursor: string; node: { pk: string; label: string | null } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number | null;
  };
}

const GADGETS = `query Gadgets($where: GadgetWhere, $orderBy: GadgetOrderBy, $first: Int, $after: String) {
  allGadgets(where: $where, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { pk label } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;

async function gadgets(variables: Record<string, unknown>): Promise<GadgetsData['allGadgets']> {
  const { data, errors } = await t.execute<GadgetsData, Record<string, unknown>>(GADGETS, { first: 1000, ...variables });
  expect(errors).toBeUndefined();
  if (!data) throw new Error('allGadgets answered no data');
  return data.allGadgets;
}

const gadgetPks = async (where: Record<string, unknown>, orderBy?: Record<string, unknown>) => pksOf(await gadgets({ where, orderBy }));

describe('the index option of defineModel', () => {
  it('indexes string, integer, float, boolean, enum and DateTime fields', () => {
    expect(Gadget.indexed.map((field) => [field.name, field.type.kind])).toEqual([
      ['label', 'string'],
      ['size', 'int'],
      ['weight', 'float'],
      ['active', 'boolean'],
      ['grade', 'enum'],
      ['madeAt', 'datetime'],
    ]);
  });

  it.each([
    ['a list', { tags: z.array(z.string()) }, 'tags'],
    ['a record', { prefs: z.record(z.string(), z.string()) }, 'prefs'],
    ['an object', { address: z.object({ city: z.string() }) }, 'address'],
    ['no field of the model', { name: z.string() }, 'missing'],
  ])('refuses to index %s with INVALID_MODEL_DEFINITION naming the field', (_what, shape, field) => {
    let error: unknown;
    try {
      defineModel('Refused', z.object(shape), { index: [field] as never });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('INVALID_MODEL_DEFINITION');
    expect((error as GatewayError).message).toContain(`"${field}"`);
  });
});

describe('allUsers without arguments', () => {
  it('returns every instance ordered by pk, which is creation order with UUIDv7 pks', async () => {
    // The store's pks of one write: on a cluster they share a slot, so that one insert writes them all.
    const pks = t.gateway.store.newPks();
    const drafts = ['First', 'Second', 'Third'].map((name, i) =>
      User.create({ name, age: 20 + i, email: `u${i}@example.com` }, { pk: pks() }),
    );
    await t.gateway.store.insert([...drafts].reverse());
    const page = await usersPage({});
    expect(page.edges.map((edge) => edge.node!.name)).toEqual(['First', 'Second', 'Third']);
    expect(page.edges.map((edge) => edge.node!.key)).toEqual(drafts.map((draft) => draft.key));
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('pages 50 instances at a time by default', async () => {
    const pks = t.gateway.store.newPks();
    await t.gateway.store.insert(
      Array.from({ length: 51 }, (_, i) => User.create({ name: `U${i}`, age: i, email: `u${i}@example.com` }, { pk: pks() })),
    );
    const first = await usersPage({});
    expect(first.edges).toHaveLength(50);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await usersPage({ after: first.pageInfo.endCursor });
    expect(second.edges).toHaveLength(1);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('answers an empty connection when there are no instances', async () => {
    const { data } = await t.execute(AllUsersWithCountDocument, {});
    expect(data?.allUsers).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      totalCount: 0,
    });
  });
});

describe('where', () => {
  beforeEach(seedPeople);

  it.each<[string, UserWhere, string[]]>([
    ['eq', { age: { eq: 40 } }, ['bob', 'dave']],
    ['ne', { age: { ne: 40 } }, ['alice', 'carol', 'erin']],
    ['gt', { age: { gt: 30 } }, ['bob', 'dave', 'erin']],
    ['gte', { age: { gte: 30 } }, ['alice', 'bob', 'dave', 'erin']],
    ['lt', { age: { lt: 30 } }, ['carol']],
    ['lte', { age: { lte: 30 } }, ['alice', 'carol']],
    ['in', { age: { in: [25, 35, 99] } }, ['carol', 'erin']],
    ['an empty in', { age: { in: [] } }, []],
    ['several operators on one field, all holding', { age: { gt: 25, lt: 40 } }, ['alice', 'erin']],
    ['string eq', { name: { eq: 'Bob' } }, ['bob']],
    ['a string range', { name: { gte: 'C', lt: 'E' } }, ['carol', 'dave']],
    ['filters on two fields, all holding', { age: { gte: 30 }, name: { ne: 'Dave' } }, ['alice', 'bob', 'erin']],
    ['and', { and: [{ age: { gte: 30 } }, { name: { lt: 'D' } }] }, ['alice', 'bob']],
    ['or', { or: [{ age: { eq: 25 } }, { name: { eq: 'Erin' } }] }, ['carol', 'erin']],
    ['not', { not: { age: { eq: 40 } } }, ['alice', 'carol', 'erin']],
    ['not over or', { not: { or: [{ age: { lt: 30 } }, { name: { in: ['Alice', 'Bob'] } }] } }, ['dave', 'erin']],
    [
      'nesting three deep',
      { or: [{ and: [{ age: { gte: 35 } }, { not: { name: { eq: 'Bob' } } }] }, { name: { eq: 'Alice' } }] },
      ['alice', 'dave', 'erin'],
    ],
    ['an empty where, which holds always', {}, ['alice', 'bob', 'carol', 'dave', 'erin']],
    ['an empty and, which holds always', { and: [] }, ['alice', 'bob', 'carol', 'dave', 'erin']],
    ['an empty or, which never holds', { or: [] }, []],
    ['not of an empty where, which never holds', { not: {} }, []],
  ])('selects by %s, in pk order', async (_name, where, expected) => {
    expect(pksOf(await usersPage({ where }))).toEqual(expected);
  });

  it('names only indexed fields: a filter on another field fails GraphQL validation', async () => {
    const { data, errors } = await t.execute(`{ allUsers(where: { email: { eq: "alice@example.com" } }) { totalCount } }`);
    expect(data).toBeUndefined();
    expect(errors?.[0]?.message).toMatch(/Field "email" is not defined by type "UserWhere"/);
  });
});

describe('orderBy', () => {
  beforeEach(seedPeople);

  it.each<[string, UserOrderBy, string[]]>([
    ['an integer field ascending, ties by pk', { field: 'age', direction: 'ASC' }, ['carol', 'alice', 'erin', 'bob', 'dave']],
    ['an integer field ascending when no direction is given', { field: 'age' }, ['carol', 'alice', 'erin', 'bob', 'dave']],
    [
      'an integer field descending, the exact reverse, ties included',
      { field: 'age', direction: 'DESC' },
      ['dave', 'bob', 'erin', 'alice', 'carol'],
    ],
    ['a string field ascending', { field: 'name', direction: 'ASC' }, ['alice', 'bob', 'carol', 'dave', 'erin']],
    ['a string field descending', { field: 'name', direction: 'DESC' }, ['erin', 'dave', 'carol', 'bob', 'alice']],
  ])('orders by %s', async (_name, orderBy, expected) => {
    expect(pksOf(await usersPage({ orderBy }))).toEqual(expected);
  });

  it('orders what a where selects', async () => {
    expect(pksOf(await usersPage({ where: { age: { gte: 30 } }, orderBy: { field: 'age', direction: 'DESC' } }))).toEqual([
      'dave',
      'bob',
      'erin',
      'alice',
    ]);
    expect(pksOf(await usersPage({ where: { not: { name: { eq: 'Bob' } } }, orderBy: { field: 'name', direction: 'DESC' } }))).toEqual([
      'erin',
      'dave',
      'carol',
      'alice',
    ]);
  });

  it('orders floats and booleans, false before true', async () => {
    await seed([
      Product.create({ name: 'Pen', price: 1.25, inStock: true }, { pk: 'pen' }),
      Product.create({ name: 'Ink', price: 0.5, inStock: false }, { pk: 'ink' }),
      Product.create({ name: 'Pad', price: 1.2, inStock: true }, { pk: 'pad' }),
      Product.create({ name: 'Box', price: 10, inStock: false }, { pk: 'box' }),
    ]);
    const byPrice = await t.execute(AllProductsDocument, { orderBy: { field: 'price', direction: 'DESC' } });
    expect(pksOf(byPrice.data?.allProducts ?? { edges: [] })).toEqual(['box', 'pen', 'pad', 'ink']);
    const byStock = await t.execute(AllProductsDocument, { orderBy: { field: 'inStock' } });
    expect(pksOf(byStock.data?.allProducts ?? { edges: [] })).toEqual(['box', 'ink', 'pad', 'pen']);
    const cheapInStock = await t.execute(AllProductsDocument, { where: { inStock: { eq: true }, price: { lt: 1.25 } } });
    expect(pksOf(cheapInStock.data?.allProducts ?? { edges: [] })).toEqual(['pad']);
  });

  it('orders enums by their names as strings, and dates by instant', async () => {
    const order = (pk: string, status: 'PENDING' | 'PAID' | 'SHIPPED', placedAt: string) =>
      Order.create({ userId: 'User:alice', productId: 'Product:book', quantity: 1, status, placedAt: new Date(placedAt) }, { pk });
    await seed([
      order('o1', 'SHIPPED', '2025-01-01T00:00:00.000Z'),
      order('o2', 'PENDING', '1969-07-20T20:17:40.000Z'),
      order('o3', 'PAID', '2025-01-01T00:00:00.001Z'),
    ]);
    const byStatus = await t.execute(AllOrdersDocument, { orderBy: { field: 'status' } });
    expect(byStatus.data?.allOrders.edges.map((edge) => edge.node!.status)).toEqual(['PAID', 'PENDING', 'SHIPPED']);
    const byDate = await t.execute(AllOrdersDocument, { orderBy: { field: 'placedAt', direction: 'DESC' } });
    expect(pksOf(byDate.data?.allOrders ?? { edges: [] })).toEqual(['o3', 'o1', 'o2']);
    const sameInstant = await t.execute(AllOrdersDocument, { where: { placedAt: { eq: '2025-01-01T01:00:00.000+01:00' } } });
    expect(pksOf(sameInstant.data?.allOrders ?? { edges: [] })).toEqual(['o1']);
    const notPending = await t.execute(AllOrdersDocument, {
      where: { status: { in: ['PAID', 'SHIPPED'] }, placedAt: { lt: '2025-01-01T00:00:00.001Z' } },
    });
    expect(pksOf(notPending.data?.allOrders ?? { edges: [] })).toEqual(['o1']);
  });
});

describe('null and absent values', () => {
  const LOW = { label: 'a', size: 1, weight: 1.5, active: false, grade: 'LOW', madeAt: '2020-01-01T00:00:00.000Z' } as const;
  const HIGH = { label: 'b', size: 2, weight: 2.5, active: true, grade: 'MID', madeAt: '2021-06-01T12:00:00.000Z' } as const;

  beforeEach(async () => {
    const value = (values: typeof LOW | typeof HIGH) => ({ ...values, madeAt: new Date(values.madeAt) });
    await seed([
      Gadget.create(value(LOW), { pk: 'p1' }),
      Gadget.create(value(HIGH), { pk: 'p2' }),
      // null where the field is nullable, absent where it is optional; weight (both) null here, absent below
      Gadget.create({ label: null, grade: null, weight: null }, { pk: 'n1' }),
      Gadget.create({ label: null, grade: null }, { pk: 'n2' }),
    ]);
  });

  const FIELDS = [
    { field: 'label', operators: 'ordered' },
    { field: 'size', operators: 'ordered' },
    { field: 'weight', operators: 'ordered' },
    { field: 'active', operators: 'eq-ne' },
    { field: 'grade', operators: 'eq-ne-in' },
    { field: 'madeAt', operators: 'ordered' },
  ] as const;

  describe.each(FIELDS)('on $field', ({ field, operators }) => {
    const low = LOW[field];
    const high = HIGH[field];

    it('matches null and absent values with eq: null, and present ones with ne: null', async () => {
      expect(await gadgetPks({ [field]: { eq: null } })).toEqual(['n1', 'n2']);
      expect(await gadgetPks({ [field]: { ne: null } })).toEqual(['p1', 'p2']);
    });

    it('matches null and absent values with ne: <value>, and never with eq: <value>', async () => {
      expect(await gadgetPks({ [field]: { ne: low } })).toEqual(['n1', 'n2', 'p2']);
      expect(await gadgetPks({ [field]: { eq: low } })).toEqual(['p1']);
    });

    it('lets not negate a whole filter, so that it matches null and absent values', async () => {
      expect(await gadgetPks({ not: { [field]: { eq: low } } })).toEqual(['n1', 'n2', 'p2']);
      expect(await gadgetPks({ not: { [field]: { eq: null } } })).toEqual(['p1', 'p2']);
      expect(await gadgetPks({ not: { [field]: { ne: null } } })).toEqual(['n1', 'n2']);
    });

    it('sorts null and absent values last ascending and first descending, ties by pk', async () => {
      expect(await gadgetPks({}, { field, direction: 'ASC' })).toEqual(['p1', 'p2', 'n1', 'n2']);
      expect(await gadgetPks({}, { field, direction: 'DESC' })).toEqual(['n2', 'n1', 'p2', 'p1']);
      expect(await gadgetPks({ [field]: { ne: high } }, { field, direction: 'DESC' })).toEqual(['n2', 'n1', 'p1']);
    });

    if (operators !== 'eq-ne') {
      it('never matches null or absent values with in', async () => {
        expect(await gadgetPks({ [field]: { in: [low, high] } })).toEqual(['p1', 'p2']);
        expect(await gadgetPks({ [field]: { in: [] } })).toEqual([]);
      });
    }

    if (operators === 'ordered') {
      it('never matches null or absent values with gt, gte, lt or lte, but their negations do', async () => {
        expect(await gadgetPks({ [field]: { gt: low } })).toEqual(['p2']);
        expect(await gadgetPks({ [field]: { gte: low } })).toEqual(['p1', 'p2']);
        expect(await gadgetPks({ [field]: { lt: high } })).toEqual(['p1']);
        expect(await gadgetPks({ [field]: { lte: high } })).toEqual(['p1', 'p2']);
        expect(await gadgetPks({ [field]: { gt: low, lt: high } })).toEqual([]);
        expect(await gadgetPks({ not: { [field]: { gt: low } } })).toEqual(['n1', 'n2', 'p1']);
      });
    }
  });

  it('combines eq: null with ne: <value> to select only null and absent values', async () => {
    expect(await gadgetPks({ label: { eq: null, ne: 'a' } })).toEqual(['n1', 'n2']);
    expect(await gadgetPks({ label: { eq: null, ne: null } })).toEqual([]);
    expect(await gadgetPks({ or: [{ size: { eq: null } }, { size: { gt: 1 } }] })).toEqual(['n1', 'n2', 'p2']);
  });

  it('treats the empty string as a value, not as null', async () => {
    await t.gateway.store.insert([Gadget.create({ label: '', grade: null }, { pk: 'e1' })]);
    expect(await gadgetPks({ label: { eq: '' } })).toEqual(['e1']);
    expect(await gadgetPks({ label: { eq: null } })).toEqual(['n1', 'n2']);
    expect(await gadgetPks({}, { field: 'label' })).toEqual(['e1', 'p1', 'p2', 'n1', 'n2']);
  });
});

describe('string order', () => {
  // Code point order, which is UTF-8 byte order: JavaScript's < would put 😀 (a surrogate pair) before \uFFFF.
  const ASCENDING = ['', 'B', 'a', 'a\u0000', 'a\u0000b', 'b', 'é', '\uFFFF', '😀'];

  beforeEach(async () => {
    const shuffled = [5, 2, 8, 0, 7, 3, 1, 6, 4].map((i) => ASCENDING[i] ?? '');
    await seed(shuffled.map((label, i) => Gadget.create({ label, grade: null }, { pk: `s${i}` })));
    await t.gateway.store.insert([Gadget.create({ label: null, grade: null }, { pk: 'none' })]);
  });

  const labels = async (where: Record<string, unknown>, direction: 'ASC' | 'DESC' = 'ASC') =>
    (await gadgets({ where, orderBy: { field: 'label', direction } })).edges.map((edge) => edge.node!.label);

  it('orders strings by Unicode code point, NUL and astral characters included', async () => {
    expect(await labels({})).toEqual([...ASCENDING, null]);
    expect(await labels({}, 'DESC')).toEqual([null, ...[...ASCENDING].reverse()]);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['gt past \\uFFFF reaches only the astral character', { gt: '\uFFFF' }, ['😀']],
    ['lt "a" keeps upper case and the empty string', { lt: 'a' }, ['', 'B']],
    ['a prefix range keeps the values that extend it past a NUL', { gte: 'a', lt: 'b' }, ['a', 'a\u0000', 'a\u0000b']],
    ['eq matches the exact string, not one extended by a NUL', { eq: 'a' }, ['a']],
    ['eq matches a value ending in NUL', { eq: 'a\u0000' }, ['a\u0000']],
    ['lte a value ending in NUL', { lte: 'a\u0000' }, ['', 'B', 'a', 'a\u0000']],
    ['gt a value ending in NUL', { gt: 'a\u0000', lt: 'é' }, ['a\u0000b', 'b']],
    ['in', { in: ['a\u0000', '😀', 'missing'] }, ['a\u0000', '😀']],
  ])('compares ranges by code point: %s', async (_name, filter, expected) => {
    expect(await labels({ label: filter })).toEqual(expected);
  });

  it('pages through strings with NULs and astral characters one at a time', async () => {
    const seen: Array<string | null> = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const result = await gadgets({ orderBy: { field: 'label', direction: 'DESC' }, first: 1, after });
      seen.push(...result.edges.map((edge) => edge.node!.label));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual([null, ...[...ASCENDING].reverse()]);
  });
});

describe('paging', () => {
  beforeEach(seedPeople);

  it('visits every match once across pages, saying whether more follow and whether after was given', async () => {
    const pages = await traverseUsers({ orderBy: { field: 'age' }, first: 2 });
    expect(pages.map(pksOf)).toEqual([['carol', 'alice'], ['erin', 'bob'], ['dave']]);
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, true, false]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
    for (const page of pages) {
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
    }
  });

  it('gives cursors that continue after their own edge', async () => {
    const page = await usersPage({ where: { age: { gte: 30 } }, orderBy: { field: 'name' } });
    expect(pksOf(page)).toEqual(['alice', 'bob', 'dave', 'erin']);
    const rest = await usersPage({ where: { age: { gte: 30 } }, orderBy: { field: 'name' }, after: page.edges[1]?.cursor });
    expect(pksOf(rest)).toEqual(['dave', 'erin']);
  });

  it('answers no edges for first: 0, and says whether there is anything', async () => {
    const page = await usersPage({ first: 0 });
    expect(page.edges).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('takes first up to 1000', async () => {
    expect(pksOf(await usersPage({ first: 1000 }))).toHaveLength(5);
  });

  it.each([-1, 1001])('refuses first: %i with BAD_USER_INPUT', async (first) => {
    const { errors } = await t.execute(AllUsersDocument, { first });
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'BAD_USER_INPUT' }]);
    expect(errors?.[0]?.message).toContain(String(first));
  });

  it.each<[string, UserOrderBy | null, UserOrderBy | null]>([
    ['age ASC, used with age DESC', { field: 'age', direction: 'ASC' }, { field: 'age', direction: 'DESC' }],
    ['age ASC, used with name ASC', { field: 'age', direction: 'ASC' }, { field: 'name', direction: 'ASC' }],
    ['age ASC, used with pk order', { field: 'age', direction: 'ASC' }, null],
    ['pk order, used with name DESC', null, { field: 'name', direction: 'DESC' }],
  ])('refuses a cursor of another ordering (%s) with BAD_USER_INPUT', async (_name, from, to) => {
    const page = await usersPage({ orderBy: from, first: 2 });
    const { data, errors } = await t.execute(AllUsersDocument, { orderBy: to, first: 2, after: page.pageInfo.endCursor });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'BAD_USER_INPUT' }]);
  });

  it('refuses a cursor it did not make with BAD_USER_INPUT', async () => {
    const { errors } = await t.execute(AllUsersDocument, { after: 'not-a-cursor' });
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'BAD_USER_INPUT' }]);
  });
});

describe('paging while others write between pages', () => {
  /*
   * Thirty users with ties in age and name. After each page of three: the cursor's own user is deleted
   * (even pages) or has its age and name changed (odd pages); one not-yet-touched user is deleted and
   * another one's age and name change; users are inserted around the cursor (same age and name, pks
   * just before and after) and at both ends; one user's unindexed balance changes. Every user that is
   * never deleted and whose ordering field never changes must then appear exactly once, in order.
   */
  const AGES = [20, 30, 40, 30, 20, 50, 40, 30, 60, 20, 50, 40, 30, 20, 40, 60, 30, 50, 20, 40, 30, 50, 60, 20, 40, 30, 30, 20, 50, 40];
  const NAMES = ['Ann', 'Bea', 'Cy', 'Bea', 'Ann', 'Dee', 'Cy', 'Eve', 'Ann', 'Flo', 'Bea', 'Cy', 'Dee', 'Eve', 'Ann'];
  const initial = AGES.map((age, i) => ({ pk: `k${String((i + 1) * 10).padStart(3, '0')}`, age, name: NAMES[i % NAMES.length] ?? 'Ann' }));

  it.each<[string, UserOrderBy | null, UserWhere | null]>([
    ['by pk', null, null],
    ['by pk, filtered', null, { age: { ne: 999 } }],
    ['by age ascending', { field: 'age', direction: 'ASC' }, null],
    ['by age descending', { field: 'age', direction: 'DESC' }, null],
    ['by age ascending, filtered', { field: 'age', direction: 'ASC' }, { name: { ne: 'nobody' } }],
    ['by age descending, filtered', { field: 'age', direction: 'DESC' }, { or: [{ age: { lt: 45 } }, { age: { gte: 45 } }] }],
    ['by name ascending', { field: 'name', direction: 'ASC' }, null],
    ['by name descending', { field: 'name', direction: 'DESC' }, null],
    ['by name ascending, filtered', { field: 'name', direction: 'ASC' }, { age: { gte: 0 } }],
    ['by name descending, filtered', { field: 'name', direction: 'DESC' }, { not: { name: { eq: 'nobody' } } }],
  ])('lists every user that stays put exactly once, %s', async (_name, orderBy, where) => {
    await seed(initial.map(({ pk, age, name }) => User.create({ name, age, email: `${pk}@example.com` }, { pk })));
    const session = () => t.gateway.store.session();
    const orderChanges = orderBy !== null;
    const touched = new Set<string>();
    const reordered = new Set<string>();
    const deletedAfterPage = new Map<string, number>();
    const untouchedPool = initial.filter((_, i) => i % 3 === 2).map((user) => user.pk);

    const remove = async (pk: string, page: number) => {
      await session().deleteMany([`User:${pk}`]);
      touched.add(pk);
      deletedAfterPage.set(pk, page);
    };
    const move = async (pk: string, page: number) => {
      await session().withLock(`User:${pk}`, 'default', { update: { set: { name: `Moved${page}` }, inc: { age: 7 } } });
      if (orderChanges) {
        touched.add(pk);
        reordered.add(pk);
      }
    };

    const pages = await traverseUsers({ orderBy, where, first: 3 }, async (page, index) => {
      const cursor = page.edges.at(-1)?.node;
      if (!cursor) throw new Error('a page with a next page has edges');
      if (index % 2 === 0) await remove(cursor.pk, index);
      else await move(cursor.pk, index);
      const [gone, moved] = untouchedPool.splice(0, 2);
      if (gone !== undefined) await remove(gone, index);
      if (moved !== undefined) await move(moved, index);
      const number = Number(cursor.pk.slice(1, 4));
      const around = (offset: number) => `k${String(number + offset).padStart(3, '0')}-${index}`;
      await seed([
        User.create({ name: cursor.name, age: cursor.age, email: 'tie@example.com' }, { pk: around(-5) }),
        User.create({ name: cursor.name, age: cursor.age, email: 'tie@example.com' }, { pk: around(5) }),
        User.create({ name: 'Aaa', age: 0, email: 'low@example.com' }, { pk: `a-${index}` }),
        User.create({ name: 'Zed', age: 99, email: 'high@example.com' }, { pk: `z-${index}` }),
      ]);
      const bystander = initial[(index * 7) % initial.length]?.pk ?? 'k010';
      await session()
        .withLock(`User:${bystander}`, 'default', { update: { inc: { balance: 1 } } })
        .catch(() => undefined);
    });

    expect(pages.length).toBeGreaterThan(5);
    const seen = pages.flatMap(pksOf);
    // A deleted user never shows up on a page fetched after its deletion.
    pages.forEach((page, index) => {
      for (const pk of pksOf(page)) expect(index <= (deletedAfterPage.get(pk) ?? Infinity)).toBe(true);
    });
    const stable = initial.filter((user) => !touched.has(user.pk));
    expect(stable.length).toBeGreaterThan(8);
    const direction = orderBy?.direction === 'DESC' ? -1 : 1;
    // Names and pks here are ASCII, where code unit order is code point order.
    const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const field = orderBy?.field;
    const expected = [...stable]
      .sort(
        (a, b) =>
          direction * ((field === 'age' ? a.age - b.age : field === 'name' ? byCodeUnit(a.name, b.name) : 0) || byCodeUnit(a.pk, b.pk)),
      )
      .map((user) => user.pk);
    expect(seen.filter((pk) => stable.some((user) => user.pk === pk))).toEqual(expected);
    // Nothing appears twice but a user whose ordering field changed: moved past the cursor, it is met again.
    const twice = seen.filter((pk, i) => seen.indexOf(pk) !== i);
    expect(twice.filter((pk) => !reordered.has(pk))).toEqual([]);
  });
});

describe('totalCount', () => {
  beforeEach(seedPeople);

  it('counts every match, not only the page', async () => {
    const { data } = await t.execute(AllUsersWithCountDocument, { where: { age: { gte: 30 } }, orderBy: { field: 'age' }, first: 1 });
    expect(data?.allUsers.totalCount).toBe(4);
    expect(pksOf(data?.allUsers ?? { edges: [] })).toEqual(['alice']);
  });

  it('counts the matches, not what is left after the cursor', async () => {
    const first = await usersPage({ first: 2 });
    const { data } = await t.execute(AllUsersWithCountDocument, { first: 2, after: first.pageInfo.endCursor });
    expect(data?.allUsers.totalCount).toBe(5);
  });

  it('counts the instances found by keys', async () => {
    const { data } = await t.execute(AllUsersWithCountDocument, { keys: ['alice', 'User:bob'] });
    expect(data?.allUsers.totalCount).toBe(2);
  });

  it('is only computed when selected: the script counts nothing otherwise', async () => {
    const whereOnly = { where: { or: [{ age: { lt: 30 } }, { name: { eq: 'Bob' } }] } };
    await usersPage(whereOnly);
    const without = await commandsInsideScripts(() => usersPage(whereOnly));
    const withCount = await commandsInsideScripts(() => t.execute(AllUsersWithCountDocument, whereOnly));
    // The estimate reads index sizes (ZCARD of @pk and @null sets); the count is a ZCARD of the match set.
    expect(without).not.toContain('zcard rmg:tmp:');
    expect(withCount).toContain('zcard rmg:tmp:');
  });

  it('is answered by the TypeScript store only when asked for', async () => {
    const session = t.gateway.store.session();
    expect((await session.findModels(User, { where: { age: { gt: 30 } } })).totalCount).toBeNull();
    expect((await session.findModels(User, { where: { age: { gt: 30 } }, withTotalCount: true })).totalCount).toBe(3);
  });
});

/** The commands the gateway's scripts ran inside Redis while `action` ran, a temporary set's name shortened to `rmg:tmp:`. */
async function commandsInsideScripts(action: () => Promise<unknown>): Promise<string[]> {
  const { commands } = await t.redis.countCommands(action, { insideScripts: true });
  return commands.flatMap(({ name, args, inScript }) => (inScript ? [`${name}${args[0]?.startsWith('rmg:tmp:') ? ' rmg:tmp:' : ''}`] : []));
}

describe('keys', () => {
  beforeEach(seedPeople);

  it('returns those instances in key order, from full keys or bare pks', async () => {
    const page = await usersPage({ keys: ['User:carol', 'alice', 'User:bob'] });
    expect(pksOf(page)).toEqual(['carol', 'alice', 'bob']);
    expect(page.edges[0]?.node).toEqual({ key: 'User:carol', pk: 'carol', name: 'Carol', age: 25 });
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it("refuses another model's key with WRONG_MODEL", async () => {
    await t.gateway.store.insert([Product.create({ name: 'Book', price: 12.5 }, { pk: 'book' })]);
    const { data, errors } = await t.execute(AllUsersDocument, { keys: ['alice', 'Product:book'] });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'WRONG_MODEL' }]);
    expect(errors?.[0]?.message).toContain('Product:book');
  });

  it('answers KEY_NOT_FOUND for a missing key, or drops it with skipMissing', async () => {
    const missing = await t.execute(AllUsersDocument, { keys: ['alice', 'nobody'] });
    expect(errorCodes(missing.errors)).toEqual([{ path: 'allUsers', code: 'KEY_NOT_FOUND' }]);
    expect(missing.errors?.[0]?.extensions?.key).toBe('User:nobody');
    expect(pksOf(await usersPage({ keys: ['alice', 'nobody', 'bob'], skipMissing: true }))).toEqual(['alice', 'bob']);
  });

  it('refuses a key that is malformed once made into a User key with INVALID_KEY', async () => {
    const { errors } = await t.execute(AllUsersDocument, { keys: ['alice', ''] });
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'INVALID_KEY' }]);
  });

  it('answers an empty connection for no keys', async () => {
    expect(await usersPage({ keys: [] })).toMatchObject({ edges: [], pageInfo: { hasNextPage: false } });
  });

  it('refuses keys together with where with BAD_USER_INPUT', async () => {
    const { errors } = await t.execute(AllUsersDocument, { keys: ['alice'], where: { age: { gt: 1 } } });
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers', code: 'BAD_USER_INPUT' }]);
  });

  it('reads the keys in one Redis command, on a cluster one per primary that holds one of them', async () => {
    const { result, commands } = await t.redis.countCommands(() => usersPage({ keys: ['alice', 'bob', 'carol'] }));
    expect(pksOf(result)).toEqual(['alice', 'bob', 'carol']);
    // On a cluster: one read call to each primary that serves one of the keys, and nothing to the others.
    const holders = () => [...new Set(['User:alice', 'User:bob', 'User:carol'].map(primaryOf))];
    expect(callsByNode(commands)).toEqual(onCluster() ? Object.fromEntries(holders().map((node) => [node, 1])) : { redis: 1 });
  });
});

describe('one Redis command per page', () => {
  beforeEach(seedPeople);

  /*
   * On a cluster a page is scatter-gather (docs/cluster.md#finders): every primary gets one script call
   * that estimates the page over its shards, and each primary that holds a User one more that reads its
   * part of the page. Nothing else, and no call to a primary that holds none.
   */
  const pageCalls = () => {
    if (!onCluster()) return { redis: 1 };
    const holders = new Set(PEOPLE.map(([pk]) => primaryOf(`User:${pk}`)));
    return Object.fromEntries(everyPrimary().map((node) => [node, holders.has(node) ? 2 : 1]));
  };

  it.each<[string, AllUsersQueryVariables]>([
    ['no arguments', {}],
    ['an equality', { where: { age: { eq: 40 } } }],
    ['a string range', { where: { name: { gte: 'B', lt: 'D' } } }],
    [
      'and, or and not',
      { where: { and: [{ or: [{ age: { lt: 30 } }, { name: { in: ['Bob', 'Dave'] } }] }, { not: { age: { eq: 40 } } }] } },
    ],
    ['ne and in', { where: { age: { ne: 30, in: [25, 30, 35] } } }],
    ['an order by an integer field', { orderBy: { field: 'age', direction: 'DESC' } }],
    ['an order by a string field with a where', { where: { age: { gte: 30 } }, orderBy: { field: 'name' } }],
  ])('answers a page with %s in one script call (two per primary on a cluster), totalCount included', async (_name, variables) => {
    const warm = await usersPage({ ...variables, first: 2 });
    const pageTwo = { ...variables, first: 2, after: warm.pageInfo.endCursor };
    const { result, commands } = await t.redis.countCommands(() => t.execute(AllUsersWithCountDocument, pageTwo));
    expect(result.errors).toBeUndefined();
    expect(callsByNode(commands)).toEqual(pageCalls());
    expect(commands.every(isScriptCall)).toBe(true);
  });
});

describe('node ttl in finder results', () => {
  it("answers the model's ttl for a model that refreshes it on read", async () => {
    await t.gateway.store.insert([
      Order.create(
        { userId: 'User:alice', productId: 'Product:book', quantity: 1, placedAt: new Date('2025-01-01T00:00:00.000Z') },
        { pk: 'o1' },
      ),
    ]);
    await t.redis.client.expire('Order:o1', 100);
    const { data } = await t.execute(AllOrdersDocument, {});
    expect(data?.allOrders.edges[0]?.node?.ttl).toBe(Order.ttl);
    expect(await t.redis.client.ttl('Order:o1')).toBe(Order.ttl);
  });

  it('answers the seconds left for an instance given a ttl by setTtl, as node does, in both modes', async () => {
    await seedPeople();
    await t.gateway.store.session().setTtl('User:alice', 100);
    const viaWhere = await t.execute(AllUsersWithTtlDocument, { where: { name: { eq: 'Alice' } } });
    const viaKeys = await t.execute(AllUsersWithTtlDocument, { keys: ['alice'] });
    const node = await t.execute(NodeWithTtlDocument, { key: 'User:alice' });
    const answers = {
      node: node.data?.node?.ttl,
      viaWhere: viaWhere.data?.allUsers.edges[0]?.node?.ttl,
      viaKeys: viaKeys.data?.allUsers.edges[0]?.node?.ttl,
    };
    expect(answers).toEqual({ node: expect.any(Number), viaWhere: expect.any(Number), viaKeys: expect.any(Number) });
    for (const ttl of Object.values(answers)) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(100);
    }
  });
});

describe('index keys', () => {
  it('live under rmg:idx:<Model>: only, so that a scan of User:* finds only documents', async () => {
    await seedPeople();
    await t.gateway.store.insert([Product.create({ name: 'Book', price: 12.5 }, { pk: 'book' })]);
    const session = t.gateway.store.session();
    await session.withLock('User:alice', 'buy', { update: { inc: { age: 1 } } });
    await session.deleteMany(['User:erin']);
    await usersPage({ where: { or: [{ age: { gt: 30 } }, { not: { name: { eq: 'Bob' } } }] }, orderBy: { field: 'name' }, first: 2 });

    const scanned = await t.redis.keys('User:*');
    expect(scanned).toEqual(['User:alice', 'User:bob', 'User:carol', 'User:dave']);
    for (const key of scanned) expect(JSON.parse((await t.redis.client.get(key)) ?? 'null')).toMatchObject({ email: expect.any(String) });

    // Every other key is one the keyspace names for these documents: their index shards, fencing counters and write records.
    const keyspace = keyspaceFor(t.redis.client);
    const documents = [...PEOPLE.map(([pk]) => `User:${pk}`), 'Product:book'];
    const named = (key: string) =>
      documents.some((document) => {
        const model = document.slice(0, document.indexOf(':'));
        return (
          key.startsWith(keyspace.indexPrefix(model, document)) ||
          key === keyspace.metaKey(model) ||
          key === keyspace.fenceKey(document) ||
          key.startsWith(keyspace.writeRecordKey(document, ''))
        );
      });
    const gatewayKeys = (await t.redis.keys()).filter((key) => !/^(User|Product):/.test(key));
    expect(gatewayKeys.length).toBeGreaterThan(0);
    expect(gatewayKeys.filter((key) => !named(key))).toEqual([]);
  });

  it('leaves no temporary set behind after a finder', async () => {
    await seedPeople();
    await usersPage({
      where: { and: [{ age: { gte: 25 } }, { not: { name: { in: ['Bob'] } } }] },
      orderBy: { field: 'age', direction: 'DESC' },
      first: 2,
    });
    expect(await t.redis.keys('rmg:tmp:*')).toEqual([]);
  });
});

describe('atomicity', () => {
  it('never shows a finder part of a write: each insertMany and deleteUsers is seen whole or not at all', async () => {
    // A batch's pks share a hash tag: a write is atomic within one slot of a cluster (docs/cluster.md), and one Redis is all one slot.
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) =>
        User.create({ name: `batch-${b}`, age: i, email: `b${b}-${i}@example.com` }, { pk: `{b${b}}${i}` }),
      ),
    );
    let writing = true;
    const writes = (async () => {
      for (const [b, batch] of batches.entries()) {
        await t.gateway.store.insert(batch);
        if (b % 2 === 1) await t.execute(DeleteUsersDocument, { where: { name: { eq: `batch-${b - 1}` } } });
      }
      writing = false;
    })();
    // Pages read while the writes go on, on the same connection, so that they interleave with them.
    const pages: UserPage[] = [];
    while (writing) pages.push(await usersPage({ where: { name: { gte: 'batch-' } }, first: 1000 }));
    await writes;
    pages.push(await usersPage({ where: { name: { gte: 'batch-' } }, first: 1000 }));
    for (const page of pages) {
      const sizes = new Map<string, number>();
      for (const edge of page.edges) sizes.set(edge.node!.name, (sizes.get(edge.node!.name) ?? 0) + 1);
      for (const size of sizes.values()) expect(size).toBe(25);
    }
    expect(pages.at(-1)?.edges).toHaveLength(4 * 25);
  });
});

describe('the TypeScript store', () => {
  beforeEach(seedPeople);

  it('finds, orders and pages with session.findModels', async () => {
    const session = t.gateway.store.session();
    const first = await session.findModels(User, { where: { age: { gte: 30 } }, orderBy: { field: 'age', direction: 'DESC' }, first: 3 });
    expect(first.edges.map((edge) => edge.node!.pk)).toEqual(['dave', 'bob', 'erin']);
    expect(first.edges[0]?.node).toMatchObject({ key: 'User:dave', value: { name: 'Dave', age: 40 } });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await session.findModels(User, {
      where: { age: { gte: 30 } },
      orderBy: { field: 'age', direction: 'DESC' },
      first: 3,
      after: first.pageInfo.endCursor,
    });
    expect(rest.edges.map((edge) => edge.node!.pk)).toEqual(['alice']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses an unindexed field in where or orderBy with BAD_USER_INPUT', async () => {
    const session = t.gateway.store.session();
    expect(await codeOf(() => session.findModels(User, { where: { email: { eq: 'alice@example.com' } } }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(() => session.findModels(User, { orderBy: { field: 'email' } }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(() => session.findModels(User, { first: 1001 }))).toBe('BAD_USER_INPUT');
  });

  it('finds by keys with session.findByKeys, with the same codes as allUsers', async () => {
    const session = t.gateway.store.session();
    expect((await session.findByKeys(User, ['bob', 'User:alice'])).map((instance) => instance.pk)).toEqual(['bob', 'alice']);
    expect(await codeOf(() => session.findByKeys(User, ['Order:o1']))).toBe('WRONG_MODEL');
    expect(await codeOf(() => session.findByKeys(User, ['nobody']))).toBe('KEY_NOT_FOUND');
    expect((await session.findByKeys(User, ['nobody', 'carol'], { skipMissing: true })).map((instance) => instance.pk)).toEqual(['carol']);
  });
});
