import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Order, Product, User } from '../examples/shop.js';
import { defineModel, ref, type ModelDefinition } from '../src/index.js';
import { byNode, plainReads, readOf, scriptReads, type Read } from './helpers/read-commands.js';
import { countRoundTrips } from './helpers/round-trips.js';
import { errorCodes, openSiblingGateway, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
const placedAt = new Date('2026-01-01T00:00:00Z');
const orderKeys = Array.from({ length: 100 }, (_, i) => `Order:o${i}`);

beforeAll(async () => {
  t = await openTestGateway();
  await t.gateway.store.insert(
    [
      ...Array.from({ length: 10 }, (_, i) => User.create({ name: `U${i}`, age: 20 + i, email: `u${i}@example.com` }, { pk: `u${i}` })),
      ...Array.from({ length: 5 }, (_, i) => Product.create({ name: `P${i}`, price: i }, { pk: `p${i}` })),
      ...orderKeys.map((_, i) =>
        Order.create({ userId: `User:u${i % 10}`, productId: `Product:p${i % 5}`, quantity: 1, placedAt }, { pk: `o${i}` }),
      ),
      Order.create({ userId: 'User:ghost', productId: 'Product:p0', quantity: 1, placedAt }, { pk: 'orphan' }),
      Order.create({ userId: 'User:broken', productId: 'Product:p0', quantity: 1, placedAt }, { pk: 'to-broken' }),
    ],
    { atomicity: 'PER_SLOT' },
  );
  await t.redis.client.set('User:broken', '{"name": 7}');
  // Every node has the read scripts then: a counted read sends no script a second time after NOSCRIPT.
  await ordersWithReferents(orderKeys);
});
afterAll(() => t.close());

/** The commands Redis received while `action` ran on `gateway`, and how many round trips it waited for, one after the other. */
async function counted<T>(action: () => Promise<T>, gateway = t) {
  const { result: counting, commands } = await gateway.redis.countCommands(() => countRoundTrips(gateway.redis.client, action));
  return { ...counting, commands };
}
const sortKeys = (read: Read) => ({ ...read, keys: [...read.keys].sort() });
const ORDERS_WITH_REFERENTS = `query($keys: [ID!]!) {
  nodes(keys: $keys) { key ... on Order { userId user { key name } product { name } } }
}`;
interface OrderWithReferents {
  key: string;
  userId: string;
  user: { key: string; name: string } | null;
  product: { name: string } | null;
}
const ordersWithReferents = (keys: string[], gateway = t, headers: Record<string, string> = {}) =>
  gateway.execute<{ nodes: Array<OrderWithReferents | null> }, unknown>(ORDERS_WITH_REFERENTS, { keys }, headers);

describe('a reference resolves to the model at its key', () => {
  it('serves the key and the referent side by side', async () => {
    const { data, errors } = await ordersWithReferents(['Order:o3']);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      nodes: [{ key: 'Order:o3', userId: 'User:u3', user: { key: 'User:u3', name: 'U3' }, product: { name: 'P3' } }],
    });
  });

  it('reads the users and products of 100 orders in one batch after the orders: 2 round trips', async () => {
    const { result, commands, roundTrips } = await counted(() => ordersWithReferents(orderKeys));
    expect(result.errors).toBeUndefined();
    expect(result.data?.nodes.map((order) => order?.user?.name)).toEqual(orderKeys.map((_, i) => `U${i % 10}`));
    expect(roundTrips).toBe(2);
    // The orders refresh their TTL, so they come through the read script; users and products do not,
    // and each is read once, however many orders name it.
    const referents = orderKeys.flatMap((_, i) => [`User:u${i % 10}`, `Product:p${i % 5}`]);
    expect(byNode(commands.map(readOf)).map(sortKeys)).toEqual(
      byNode([...scriptReads(t.redis.client, orderKeys), ...plainReads(t.redis.client, referents)]).map(sortKeys),
    );
  });

  it('resolves the referents of a finder page in one more round trip', async () => {
    const query = `{ allOrders(where: { userId: { eq: "User:u4" } }, first: 100) { totalCount edges { node { pk user { name } product { name } } } } }`;
    type Page = { allOrders: { totalCount: number; edges: Array<{ node: { pk: string; user: { name: string } } }> } };
    const pageAlone = query.replace(' user { name } product { name }', '');
    // The page's scripts are on every node then: the counted page sends none a second time after NOSCRIPT.
    await t.execute(pageAlone);
    const page = await counted(() => t.execute<Page, unknown>(pageAlone));
    const { result, commands, roundTrips } = await counted(() => t.execute<Page, unknown>(query));
    expect(result.errors).toBeUndefined();
    expect(result.data?.allOrders.totalCount).toBe(10);
    expect(new Set(result.data?.allOrders.edges.map((edge) => edge.node.user.name))).toEqual(new Set(['U4']));
    // The orders of User:u4 are o4, o14, ... o94: each names Product:p4.
    const referentReads = plainReads(t.redis.client, ['User:u4', 'Product:p4']);
    expect(roundTrips).toBe(page.roundTrips + 1);
    expect(commands).toHaveLength(page.commands.length + referentReads.length);
    expect(commands.map(readOf)).toEqual(expect.arrayContaining(referentReads));
  });

  it('answers a missing referent with null and KEY_NOT_FOUND at its path, the rest of the order intact', async () => {
    const { data, errors } = await ordersWithReferents(['Order:o1', 'Order:orphan']);
    expect(data?.nodes[1]).toEqual({ key: 'Order:orphan', userId: 'User:ghost', user: null, product: { name: 'P0' } });
    expect(errorCodes(errors)).toEqual([{ path: 'nodes.1.user', code: 'KEY_NOT_FOUND' }]);
    expect(errors?.[0]?.extensions?.key).toBe('User:ghost');
  });

  it('answers a referent whose document no longer decodes with CORRUPT_VALUE at its path', async () => {
    const { data, errors } = await ordersWithReferents(['Order:to-broken']);
    expect(data?.nodes[0]).toMatchObject({ user: null, product: { name: 'P0' } });
    expect(errorCodes(errors)).toEqual([{ path: 'nodes.0.user', code: 'CORRUPT_VALUE' }]);
    expect(errors?.[0]?.extensions?.key).toBe('User:broken');
  });

  it('filters a finder on the key a reference holds', async () => {
    const { data, errors } = await t.execute(
      `{ allOrders(where: { userId: { in: ["User:u1", "User:ghost"] } }, first: 100) { edges { node { pk } } } }`,
    );
    expect(errors).toBeUndefined();
    const pks = (data as { allOrders: { edges: Array<{ node: { pk: string } }> } }).allOrders.edges.map((edge) => edge.node.pk);
    expect(pks.sort()).toEqual(['o1', 'o11', 'o21', 'o31', 'o41', 'o51', 'o61', 'o71', 'o81', 'o91', 'orphan']);
  });

  it('lists what each reference refers to, and the field that resolves it, in models', async () => {
    const { data } = await t.execute<{ models: Array<{ name: string; fields: Array<Record<string, unknown>> }> }, unknown>(
      `{ models { name fields { name refersTo resolvedAs } } }`,
    );
    const order = data?.models.find((model) => model.name === 'Order');
    expect(order?.fields).toContainEqual({ name: 'userId', refersTo: 'User', resolvedAs: 'user' });
    expect(order?.fields).toContainEqual({ name: 'productId', refersTo: 'Product', resolvedAs: 'product' });
    expect(order?.fields).toContainEqual({ name: 'quantity', refersTo: null, resolvedAs: null });
  });

  it('refuses an insert whose reference names another model, naming the field, and writes nothing', async () => {
    const { data, errors } = await t.execute(
      `mutation { insertMany(models: [{ order: { pk: "wrong", userId: "Product:p1", productId: "Product:p1", quantity: 1, placedAt: "2026-01-01T00:00:00Z" } }]) { key } }`,
    );
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'VALIDATION_FAILED' }]);
    expect(errors?.[0]?.message).toBe('models[0] Order.userId is invalid: must be the key of a User, "User:<pk>", not "Product:p1".');
    expect(errors?.[0]?.extensions).toMatchObject({ model: 'Order', field: 'userId', index: 0 });
    expect(await t.redis.exists('Order:wrong')).toBe(0);
  });
});

describe('referents are reads of the request like any other', () => {
  it('answers FORBIDDEN at the reference of a model the caller may not read, without asking Redis for it', async () => {
    const limited = openSiblingGateway(t, {
      auth: { apiKeys: [{ key: 'orders-and-products', scopes: ['read'], models: ['Order', 'Product'] }] },
    });
    try {
      await limited.gateway.store.insert(
        [
          User.create({ name: 'Secret', age: 1, email: 's@example.com' }, { pk: 's' }),
          Product.create({ name: 'Pen', price: 1 }, { pk: 'pen' }),
          Order.create({ userId: 'User:s', productId: 'Product:pen', quantity: 1, placedAt }, { pk: 'o' }),
        ],
        { atomicity: 'PER_SLOT' },
      );
      const { result, commands } = await limited.redis.countCommands(() =>
        ordersWithReferents(['Order:o'], limited, { authorization: 'Bearer orders-and-products' }),
      );
      expect(result.data?.nodes).toEqual([{ key: 'Order:o', userId: 'User:s', user: null, product: { name: 'Pen' } }]);
      expect(errorCodes(result.errors)).toEqual([{ path: 'nodes.0.user', code: 'FORBIDDEN' }]);
      expect(commands.flatMap((command) => command.args)).not.toContain('User:s');
    } finally {
      await limited.close();
    }
  });

  describe('with maxKeys 5', () => {
    let small: TestGateway;
    beforeAll(async () => {
      small = await openTestGateway({ limits: { maxKeys: 5 } });
      await small.gateway.store.insert(
        [
          User.create({ name: 'A', age: 1, email: 'a@example.com' }, { pk: 'a' }),
          ...['m1', 'm2', 'm3'].map((pk) => Order.create({ userId: 'User:a', productId: 'Product:p', quantity: 1, placedAt }, { pk })),
        ],
        { atomicity: 'PER_SLOT' },
      );
    });
    afterAll(() => small.close());
    const orders = (pks: string[]) =>
      pks.map(
        (pk) => `{ order: { pk: "${pk}", userId: "User:a", productId: "Product:p", quantity: 1, placedAt: "2026-01-01T00:00:00Z" } }`,
      );

    it('draws each referent on the budget: past it, that reference alone fails with TOO_MANY_KEYS', async () => {
      // A mutation's answer is not estimated before it runs; the session counts its referents as it reads them:
      // the same user three times, read once from Redis but counted each time. The orders' pks share a hash
      // tag, as documents written together on a cluster do.
      const { data, errors } = await small.execute(
        `mutation { insertMany(models: [${orders(['{n}1', '{n}2', '{n}3', '{n}4', '{n}5', '{n}6']).join(', ')}]) { key ... on Order { user { name } } } }`,
      );
      const users = (data as { insertMany: Array<{ user: { name: string } | null }> }).insertMany.map((order) => order.user);
      expect(users).toEqual([{ name: 'A' }, { name: 'A' }, { name: 'A' }, { name: 'A' }, { name: 'A' }, null]);
      expect(errorCodes(errors)).toEqual([{ path: 'insertMany.5.user', code: 'TOO_MANY_KEYS' }]);
      expect(errors?.[0]?.extensions).toMatchObject({ count: 6, limit: 5, option: 'maxKeys' });
    });

    it('counts the referents of a query in the early estimate, refusing it whole before Redis is asked', async () => {
      // 3 orders and their 3 users: 6 keys.
      const { result, commands } = await small.redis.countCommands(() =>
        small.execute(`{ nodes(keys: ["Order:m1", "Order:m2", "Order:m3"]) { ... on Order { user { name } } } }`),
      );
      expect(result.status).toBe(400);
      expect(result.data).toBeUndefined();
      expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'TOO_MANY_KEYS' }]);
      expect(result.errors?.[0]?.extensions).toMatchObject({ count: 6, limit: 5 });
      expect(commands).toEqual([]);
    });

    it('estimates a finder page as its first items with their referents, through fragments', async () => {
      const query = `{ allOrders(first: 2) { edges { node { ...Buyer } } } } fragment Buyer on Order { user { name } }`;
      // A page of 6 costs 6 and reads no key itself; its 6 users are keys.
      const refused = await small.execute(query.replace('first: 2', 'first: 6'));
      expect(errorCodes(refused.errors)).toEqual([{ path: undefined, code: 'TOO_MANY_KEYS' }]);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ count: 6 });
      const served = await small.execute(query);
      expect(served.errors).toBeUndefined();
      expect(served.data).toEqual({ allOrders: { edges: [{ node: { user: { name: 'A' } } }, { node: { user: { name: 'A' } } }] } });
    });
  });
});

describe('references to the model itself and to models defined later', () => {
  // Assigned after the model that refers to it, as a model defined later in a file would be.
  let Team: ModelDefinition;
  const Person = defineModel(
    'Person',
    z.object({ name: z.string(), managerId: ref((): ModelDefinition => Person).optional(), teamKey: ref(() => Team) }),
  );
  Team = defineModel('Team', z.object({ title: z.string() }));
  let own: TestGateway;

  beforeAll(async () => {
    own = await openTestGateway({ models: [Person, Team] });
    await own.gateway.store.insert(
      [
        Team.create({ title: 'Core' }, { pk: 'core' }),
        Person.create({ name: 'Ann', teamKey: 'Team:core' }, { pk: 'ann' }),
        Person.create({ name: 'Bo', managerId: 'Person:ann', teamKey: 'Team:core' }, { pk: 'bo' }),
        Person.create({ name: 'Cy', managerId: 'Person:bo', teamKey: 'Team:core' }, { pk: 'cy' }),
      ],
      { atomicity: 'PER_SLOT' },
    );
  });
  afterAll(() => own.close());

  it('follows a chain of references one batch a level, and answers an absent optional reference with null and no error', async () => {
    const query = `{ node(key: "Person:cy") { ... on Person { name team { title } manager { name manager { name manager { name } } } } } }`;
    const { result, commands, roundTrips } = await counted(() => own.execute(query), own);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      node: { name: 'Cy', team: { title: 'Core' }, manager: { name: 'Bo', manager: { name: 'Ann', manager: null } } },
    });
    // Cy; Bo and the team together; Ann (already-read keys come from the request's cache).
    expect(roundTrips).toBe(3);
    const levels = [['Person:cy'], ['Person:bo', 'Team:core'], ['Person:ann']].flatMap((keys) => plainReads(own.redis.client, keys));
    expect(byNode(commands.map(readOf)).map(sortKeys)).toEqual(byNode(levels).map(sortKeys));
  });
});
