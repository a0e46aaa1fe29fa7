import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels, Order, Product, User } from '../examples/shop.js';
import { defineModel } from '../src/index.js';
import { keyspaceFor, shardPrefixAround, singleKeyspace, slotTagOf } from '../src/store/keyspace.js';
import {
  AllOrdersDocument,
  AllProductsDocument,
  AllUsersDocument,
  AllUsersWithCountDocument,
  DeleteAllUsersDocument,
  DeleteManyDocument,
  DeleteUsersDocument,
  NodeWithTtlDocument,
  SetTtlDocument,
  type AllUsersQueryVariables,
  type UserWhere,
} from './generated/graphql.js';
import { isScriptCall } from './helpers/command-counter.js';
import { PEOPLE, seedPeople as seedPeopleInto } from './helpers/people.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';
import { codeOf } from './helpers/gateway-error.js';

/*
 * deleteMany, delete<Model>s, deleteAll<Model>s and setTtl, how every write path keeps the indexes,
 * and TTLs enforced at read time. Expiry is awaited by polling EXISTS until Redis has dropped the key
 * (a condition, bounded); nothing asserts on wall-clock time.
 */

/** Nullable and optional indexed fields, for deletes that follow the finders' null rules. */
const Tag = defineModel('Tag', z.object({ label: z.string().nullable(), rank: z.int32().optional() }), { index: ['label', 'rank'] });
/** A one-second TTL that every read and write resets: an instance lives while it is used. */
const Blink = defineModel('Blink', z.object({ n: z.int32() }), { ttl: 1, index: ['n'] });
/** TTL counting down through reads. */
const Visit = defineModel('Visit', z.object({ page: z.string() }), { ttl: 600, refreshTtl: false, index: ['page'] });

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway({ models: [...shopModels, Tag, Visit, Blink] });
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

const seedPeople = () => seedPeopleInto(t);
/** A product and an order, whose pks share no slot on a cluster: written there a step per slot. */
const seedShop = () =>
  t.gateway.store.insert(
    [
      Product.create({ name: 'Book', price: 12.5 }, { pk: 'book' }),
      Order.create(
        { userId: 'User:alice', productId: 'Product:book', quantity: 1, placedAt: new Date('2025-01-01T00:00:00.000Z') },
        { pk: 'o1' },
      ),
    ],
    { atomicity: 'PER_SLOT' },
  );

/** deleteMany of keys that share no slot on a cluster: there a step per slot, on one Redis one delete. */
const DELETE_MANY_PER_SLOT = `mutation ($keys: [ID!]!) { deleteMany(keys: $keys, atomicity: PER_SLOT) { count byModel { model count } } }`;
const deleteManyPerSlot = (keys: string[]) =>
  t.execute<{ deleteMany: { count: number; byModel: Array<{ model: string; count: number }> } }, { keys: string[] }>(DELETE_MANY_PER_SLOT, {
    keys,
  });

async function userPks(variables: AllUsersQueryVariables = {}): Promise<string[]> {
  const { data, errors } = await t.execute(AllUsersDocument, { first: 1000, ...variables });
  expect(errors).toBeUndefined();
  return data?.allUsers.edges.map((edge) => edge.node!.pk) ?? [];
}

/** Where the index entries of the document at `key` live: its model's one shard on one Redis, its slot's on a cluster. */
const indexPrefixOf = (key: string) => keyspaceFor(t.redis.client).indexPrefix(key.slice(0, key.indexOf(':')), key);

/** A pattern for every index key of `model`, in every shard. */
const indexKeysOf = (model: string) =>
  keyspaceFor(t.redis.client).cluster ? `${shardPrefixAround(model).join('*')}*` : `${singleKeyspace.indexPrefix(model, `${model}:`)}*`;

/** Every index key of `model` that names `pk`: in a sorted set (as a member, or after "\0\0" in a string index) or as a hash field. */
async function indexKeysNaming(model: string, pk: string): Promise<string[]> {
  const found: string[] = [];
  for (const key of await t.redis.keys(indexKeysOf(model))) {
    const type = await t.redis.client.type(key);
    if (type === 'zset') {
      const members = await t.redis.client.zrange(key, '0', '-1');
      if (members.some((member) => member === pk || member.endsWith(`\u0000\u0000${pk}`))) found.push(key);
    } else if (type === 'hash' && (await t.redis.client.hexists(key, pk))) found.push(key);
  }
  return found;
}

/** Waits until Redis has expired every key, polling EXISTS: a condition wait with a bound, not a timing assertion. */
async function untilExpired(...keys: string[]): Promise<void> {
  for (let poll = 0; poll < 400; poll++) {
    if ((await t.redis.exists(...keys)) === 0) return;
    await pause(10);
  }
  throw new Error(`${keys.join(', ')} still exist after 400 polls`);
}

const byModel = (counts: Record<string, number>) =>
  expect.arrayContaining(Object.entries(counts).map(([model, count]) => ({ model, count }))) as unknown as Array<{
    model: string;
    count: number;
  }>;

describe('deleteMany', () => {
  beforeEach(async () => {
    await seedPeople();
    await seedShop();
  });

  it('deletes keys of several models in one script call, counting them by model', async () => {
    // One write is one slot's on a cluster: these keys share a hash tag, so that it is one call there too.
    const keys = ['User:{s1}zoe', 'Product:{s1}pen', 'Order:{s1}o9', 'User:{s1}yan'];
    await t.gateway.store.insert([
      User.create({ name: 'Zoe', age: 20, email: 'zoe@example.com' }, { pk: '{s1}zoe' }),
      Product.create({ name: 'Pen', price: 1 }, { pk: '{s1}pen' }),
      Order.create({ userId: 'User:{s1}zoe', productId: 'Product:{s1}pen', quantity: 1, placedAt: new Date(0) }, { pk: '{s1}o9' }),
      User.create({ name: 'Yan', age: 21, email: 'yan@example.com' }, { pk: '{s1}yan' }),
    ]);
    await t.execute(DeleteManyDocument, { keys: ['User:{s1}nobody'] }); // loads the script on the connection to that slot's primary
    const { result, commands } = await t.redis.countCommands(() => t.execute(DeleteManyDocument, { keys }));
    expect(result.errors).toBeUndefined();
    expect(result.data?.deleteMany.count).toBe(4);
    expect(result.data?.deleteMany.byModel).toHaveLength(3);
    expect(result.data?.deleteMany.byModel).toEqual(byModel({ User: 2, Product: 1, Order: 1 }));
    expect(commands).toHaveLength(1);
    expect(commands.every(isScriptCall)).toBe(true);
    expect(await t.redis.exists(...keys)).toBe(0);
    expect(await userPks()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });

  it('does not count missing keys, nor a key given twice', async () => {
    const { data } = await deleteManyPerSlot(['User:alice', 'User:nobody', 'User:alice', 'Order:gone']);
    expect(data?.deleteMany).toEqual({ count: 1, byModel: [{ model: 'User', count: 1 }] });
  });

  it('removes index entries with the documents: finders no longer return them, and no index set names them', async () => {
    expect(await indexKeysNaming('User', 'bob')).not.toEqual([]);
    await deleteManyPerSlot(['User:bob', 'Product:book']);
    expect(await userPks({ where: { age: { eq: 40 } } })).toEqual(['dave']);
    expect(await userPks({ where: { name: { eq: 'Bob' } } })).toEqual([]);
    expect(await userPks({ orderBy: { field: 'age', direction: 'DESC' } })).toEqual(['dave', 'erin', 'alice', 'carol']);
    expect(await indexKeysNaming('User', 'bob')).toEqual([]);
    expect(await indexKeysNaming('Product', 'book')).toEqual([]);
    const products = await t.execute(AllProductsDocument, {});
    expect(products.data?.allProducts.totalCount).toBe(0);
  });

  it.each([
    ['an unknown model', 'Nope:1', 'MODEL_NOT_FOUND'],
    ['a malformed key', 'no-colon', 'INVALID_KEY'],
    ['an empty pk', 'User:', 'INVALID_KEY'],
  ])('refuses %s with its code and deletes nothing', async (_what, bad, code) => {
    const { data, errors } = await t.execute(DeleteManyDocument, { keys: ['User:alice', bad, 'Product:book'] });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'deleteMany', code }]);
    expect(await t.redis.exists('User:alice', 'Product:book')).toBe(2);
    expect(await userPks({ where: { name: { eq: 'Alice' } } })).toEqual(['alice']);
  });

  it('deletes nothing for no keys', async () => {
    const { data } = await t.execute(DeleteManyDocument, { keys: [] });
    expect(data?.deleteMany).toEqual({ count: 0, byModel: [] });
  });
});

describe('deleteUsers', () => {
  beforeEach(seedPeople);

  it('deletes what the where selects, with its index entries, and nothing else', async () => {
    const { data } = await t.execute(DeleteUsersDocument, {
      where: { or: [{ age: { gte: 35 } }, { name: { eq: 'Carol' } }], not: { name: { eq: 'Dave' } } },
    });
    expect(data?.deleteUsers).toEqual({ count: 3, byModel: [{ model: 'User', count: 3 }] });
    expect(await userPks()).toEqual(['alice', 'dave']);
    for (const pk of ['bob', 'carol', 'erin']) expect(await indexKeysNaming('User', pk)).toEqual([]);
    expect(await t.redis.exists('User:alice', 'User:dave')).toBe(2);
  });

  it.each<[string, UserWhere]>([
    ['an empty where', {}],
    ['an empty and', { and: [] }],
    ['a filter without operators', { age: {} }],
  ])('refuses %s with BAD_USER_INPUT, pointing to deleteAllUsers, and deletes nothing', async (_what, where) => {
    const { data, errors } = await t.execute(DeleteUsersDocument, { where });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'deleteUsers', code: 'BAD_USER_INPUT' }]);
    expect(errors?.[0]?.message).toContain('deleteAllUsers');
    expect(await userPks()).toHaveLength(5);
  });

  it('deletes nothing when nothing matches', async () => {
    const { data } = await t.execute(DeleteUsersDocument, { where: { age: { gt: 100 } } });
    expect(data?.deleteUsers).toEqual({ count: 0, byModel: [] });
    expect(await userPks()).toHaveLength(5);
  });

  it("follows the finders' null rules", async () => {
    await t.gateway.store.insert(
      [
        Tag.create({ label: 'x', rank: 1 }, { pk: 't1' }),
        Tag.create({ label: 'y' }, { pk: 't2' }),
        Tag.create({ label: null, rank: 2 }, { pk: 't3' }),
        Tag.create({ label: null }, { pk: 't4' }),
      ],
      { atomicity: 'PER_SLOT' },
    );
    const deleteTags = (where: unknown) =>
      t.execute<{ deleteTags: { count: number } }, { where: unknown }>(
        `mutation ($where: TagWhere!) { deleteTags(where: $where) { count } }`,
        { where },
      );
    expect((await deleteTags({ rank: { gt: 0 }, label: { ne: 'x' } })).data?.deleteTags.count).toBe(1);
    expect(await t.redis.exists('Tag:t1', 'Tag:t2', 'Tag:t3', 'Tag:t4')).toBe(3);
    expect(await t.redis.client.exists('Tag:t3')).toBe(0);
    expect((await deleteTags({ not: { rank: { lt: 5 } } })).data?.deleteTags.count).toBe(2);
    expect(await t.redis.exists('Tag:t1', 'Tag:t2', 'Tag:t3', 'Tag:t4')).toBe(1);
  });
});

describe('deleteAllUsers', () => {
  beforeEach(async () => {
    await seedPeople();
    await seedShop();
  });

  it('deletes every User and its index entries with confirm: true, and no other model', async () => {
    const { data } = await t.execute(DeleteAllUsersDocument, { confirm: true });
    expect(data?.deleteAllUsers).toEqual({ count: 5, byModel: [{ model: 'User', count: 5 }] });
    expect(await userPks()).toEqual([]);
    const left = (await t.redis.keys(indexKeysOf('User'))).filter((key) => key !== keyspaceFor(t.redis.client).metaKey('User'));
    expect(left).toEqual([]);
    expect(await t.redis.keys('User:*')).toEqual([]);
    const products = await t.execute(AllProductsDocument, {});
    expect(products.data?.allProducts.edges.map((edge) => edge.node!.key)).toEqual(['Product:book']);
  });

  it('refuses confirm: false with BAD_USER_INPUT and deletes nothing', async () => {
    const { data, errors } = await t.execute(DeleteAllUsersDocument, { confirm: false });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'deleteAllUsers', code: 'BAD_USER_INPUT' }]);
    expect(errors?.[0]?.message).toContain('confirm: true');
    expect(await userPks()).toHaveLength(5);
  });
});

describe('deletes in the TypeScript store', () => {
  beforeEach(async () => {
    await seedPeople();
    await seedShop();
  });

  it('deletes keys with session.deleteMany, counting by model', async () => {
    const result = await t.gateway.store.session().deleteMany(['User:alice', 'Order:o1', 'Order:o2'], { atomicity: 'PER_SLOT' });
    expect(result).toEqual({ count: 2, byModel: { User: 1, Order: 1 } });
    expect(await codeOf(() => t.gateway.store.session().deleteMany(['User:bob', 'Nope:1']))).toBe('MODEL_NOT_FOUND');
    expect(await t.redis.client.exists('User:bob')).toBe(1);
  });

  it('deletes by where with session.deleteWhere, refusing an empty one, and everything with session.deleteAll', async () => {
    const session = t.gateway.store.session();
    expect(await session.deleteWhere(User, { age: { eq: 40 } })).toEqual({ count: 2, byModel: { User: 2 } });
    expect(await codeOf(() => session.deleteWhere(User, {}))).toBe('BAD_USER_INPUT');
    expect(await codeOf(() => session.deleteWhere(User, { email: { eq: 'alice@example.com' } }))).toBe('BAD_USER_INPUT');
    expect(await session.deleteAll(User)).toEqual({ count: 3, byModel: { User: 3 } });
    expect(await session.deleteAll(User)).toEqual({ count: 0, byModel: {} });
  });

  it('forgets deleted instances in the session, so that a later read there sees them gone', async () => {
    const session = t.gateway.store.session();
    expect(await session.get('User:alice')).not.toBeNull();
    await session.deleteMany(['User:alice']);
    expect(await session.get('User:alice')).toBeNull();
    expect(await session.get('User:bob')).not.toBeNull();
    await session.deleteWhere(User, { name: { eq: 'Bob' } });
    expect(await session.get('User:bob')).toBeNull();
  });
});

describe('setTtl', () => {
  beforeEach(async () => {
    await seedPeople();
    await seedShop();
  });

  it('sets the key to expire in seconds and answers the model with that ttl', async () => {
    const { data } = await t.execute(SetTtlDocument, { key: 'User:alice', seconds: 100 });
    expect(data?.setTtl).toEqual({ key: 'User:alice', ttl: 100 });
    const left = await t.redis.client.ttl('User:alice');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(100);
  });

  it('removes the TTL with seconds: null', async () => {
    await t.execute(SetTtlDocument, { key: 'Order:o1', seconds: 100 });
    const { data } = await t.execute(SetTtlDocument, { key: 'Order:o1', seconds: null });
    expect(data?.setTtl).toEqual({ key: 'Order:o1', ttl: null });
    expect(await t.redis.client.ttl('Order:o1')).toBe(-1);
  });

  it.each([0, -5])('refuses seconds: %i with BAD_USER_INPUT and leaves the key as it was', async (seconds) => {
    const { errors } = await t.execute(SetTtlDocument, { key: 'User:alice', seconds });
    expect(errorCodes(errors)).toEqual([{ path: 'setTtl', code: 'BAD_USER_INPUT' }]);
    expect(errors?.[0]?.message).toContain(String(seconds));
    expect(await t.redis.client.ttl('User:alice')).toBe(-1);
  });

  it.each([
    ['a missing key', 'User:nobody', 'KEY_NOT_FOUND'],
    ['an unknown model', 'Nope:1', 'MODEL_NOT_FOUND'],
    ['a malformed key', 'alice', 'INVALID_KEY'],
  ])('refuses %s with its code', async (_what, key, code) => {
    const { errors } = await t.execute(SetTtlDocument, { key, seconds: 100 });
    expect(errorCodes(errors)).toEqual([{ path: 'setTtl', code }]);
    expect(await t.redis.client.exists('User:nobody')).toBe(0);
  });

  it("is reset to the model's ttl by the next refreshing read, through node or a finder", async () => {
    await t.execute(SetTtlDocument, { key: 'Order:o1', seconds: 100 });
    await t.execute(NodeWithTtlDocument, { key: 'Order:o1' });
    expect(await t.redis.client.ttl('Order:o1')).toBe(Order.ttl);
    await t.execute(SetTtlDocument, { key: 'Order:o1', seconds: 100 });
    await t.execute(AllOrdersDocument, { where: { status: { eq: 'PENDING' } } });
    expect(await t.redis.client.ttl('Order:o1')).toBe(Order.ttl);
  });

  it("is reset by the next write: to the model's ttl, or removed for a model without one", async () => {
    const session = t.gateway.store.session();
    await session.setTtl('Order:o1', 100);
    await session.setTtl('User:alice', 100);
    await session.withLock('Order:o1', 'default', { update: { set: { status: 'PAID' } } });
    await session.withLock('User:alice', 'default', { update: { inc: { balance: 5 } } });
    expect(await t.redis.client.ttl('Order:o1')).toBe(Order.ttl);
    expect(await t.redis.client.ttl('User:alice')).toBe(-1);
  });

  it('is kept by reads that do not refresh', async () => {
    await t.gateway.store.insert([Visit.create({ page: '/home' }, { pk: 'v1' })]);
    await t.execute(SetTtlDocument, { key: 'Visit:v1', seconds: 100 });
    await t.execute(SetTtlDocument, { key: 'User:alice', seconds: 100 });
    await t.execute(`{ node(key: "Visit:v1") { key } allVisits { edges { node { key } } } }`);
    await t.execute(NodeWithTtlDocument, { key: 'User:alice' });
    await t.execute(AllUsersDocument, {});
    expect(await t.redis.client.ttl('Visit:v1')).toBeLessThanOrEqual(100);
    expect(await t.redis.client.ttl('User:alice')).toBeLessThanOrEqual(100);
    expect(await t.redis.client.ttl('User:alice')).toBeGreaterThan(0);
  });

  it('is the same in the TypeScript store: session.setTtl answers the instance', async () => {
    const session = t.gateway.store.session();
    expect(await session.setTtl('User:alice', 50)).toMatchObject({ key: 'User:alice', ttl: 50, value: { name: 'Alice' } });
    expect(await session.setTtl('User:alice', null)).toMatchObject({ ttl: null });
    expect(await codeOf(() => session.setTtl('User:alice', 0))).toBe('BAD_USER_INPUT');
    expect(await codeOf(() => session.setTtl('User:nobody', 5))).toBe('KEY_NOT_FOUND');
  });
});

describe('expiry, enforced at read time', () => {
  beforeEach(async () => {
    await seedPeople();
    await seedShop();
  });

  it('never returns or counts an expired instance, and a finder purges its index entries', async () => {
    const session = t.gateway.store.session();
    await session.setTtl('User:bob', 1);
    await session.setTtl('User:erin', 1);
    await session.setTtl('Order:o1', 1);
    await untilExpired('User:bob', 'User:erin', 'Order:o1');

    const all = await t.execute(AllUsersWithCountDocument, {});
    expect(all.data?.allUsers.totalCount).toBe(3);
    expect(all.data?.allUsers.edges.map((edge) => edge.node!.pk)).toEqual(['alice', 'carol', 'dave']);
    expect(await indexKeysNaming('User', 'bob')).toEqual([]);
    expect(await indexKeysNaming('User', 'erin')).toEqual([]);
    expect(await t.redis.client.zscore(`${indexPrefixOf('User:bob')}@pk`, 'bob')).toBeNull();

    const forties = await t.execute(AllUsersWithCountDocument, {
      where: { age: { eq: 40 } },
      orderBy: { field: 'name', direction: 'DESC' },
    });
    expect(forties.data?.allUsers).toMatchObject({ totalCount: 1, edges: [{ node: { pk: 'dave' } }] });
    const paged = await t.execute(AllUsersWithCountDocument, { orderBy: { field: 'age', direction: 'DESC' }, first: 2 });
    expect(paged.data?.allUsers.edges.map((edge) => edge.node!.pk)).toEqual(['dave', 'alice']);

    const orders = await t.execute(AllOrdersDocument, {});
    expect(orders.data?.allOrders).toMatchObject({ totalCount: 0, edges: [] });
    expect(await indexKeysNaming('Order', 'o1')).toEqual([]);
  });

  it('never deletes or counts an expired instance', async () => {
    await t.gateway.store.session().setTtl('User:bob', 1);
    await untilExpired('User:bob');
    const byWhere = await t.execute(DeleteUsersDocument, { where: { age: { eq: 40 } } });
    expect(byWhere.data?.deleteUsers).toEqual({ count: 1, byModel: [{ model: 'User', count: 1 }] });
    const byKeys = await t.execute(DeleteManyDocument, { keys: ['User:bob'] });
    expect(byKeys.data?.deleteMany.count).toBe(0);
    const everything = await t.execute(DeleteAllUsersDocument, { confirm: true });
    expect(everything.data?.deleteAllUsers.count).toBe(3);
  });

  it('keeps an instance whose TTL was removed, or reset by a write, while others expire', async () => {
    const session = t.gateway.store.session();
    for (const key of ['User:alice', 'User:bob', 'User:carol']) await session.setTtl(key, 1);
    await session.setTtl('User:alice', null);
    await session.withLock('User:bob', 'default', { update: { inc: { age: 2 } } });
    await untilExpired('User:carol');
    expect(await userPks()).toEqual(['alice', 'bob', 'dave', 'erin']);
    expect(await userPks({ where: { age: { eq: 42 } } })).toEqual(['bob']);
    const keys = await t.execute(AllUsersDocument, { keys: ['carol'] });
    expect(errorCodes(keys.errors)).toEqual([{ path: 'allUsers', code: 'KEY_NOT_FOUND' }]);
  });
});

describe('expiry of a TTL given back by a refreshing read', () => {
  it('takes the instance out of the finders when it runs out, after setTtl(null) had removed the TTL', async () => {
    await t.gateway.store.insert(
      ['b1', 'b2', 'b3'].map((pk, n) => Blink.create({ n }, { pk })),
      { atomicity: 'PER_SLOT' },
    );
    for (const pk of ['b1', 'b2', 'b3']) await t.execute(SetTtlDocument, { key: `Blink:${pk}`, seconds: null });
    // "The next refreshing read resets the TTL to the model's ttl": one through node, the others through a finder.
    await t.execute(`{ node(key: "Blink:b1") { key } }`);
    await t.execute(`{ allBlinks(where: { n: { gte: 1 } }) { edges { node { key } } } }`);
    expect(await t.redis.client.ttl('Blink:b1')).toBe(1);
    expect(await t.redis.client.ttl('Blink:b3')).toBe(1);
    await untilExpired('Blink:b1', 'Blink:b2', 'Blink:b3');

    const { data } = await t.execute<{ allBlinks: unknown }, Record<string, never>>(
      `{ allBlinks(first: 1) { edges { node { key } } pageInfo { hasNextPage endCursor } totalCount } }`,
    );
    expect(data?.allBlinks).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
    for (const pk of ['b1', 'b2', 'b3']) expect(await indexKeysNaming('Blink', pk)).toEqual([]);
  });
});

describe('writes move index entries', () => {
  beforeEach(seedPeople);

  it('withLock: an update of an indexed field is found under the new value, not the old', async () => {
    await t.gateway.store.session().withLock('User:alice', 'default', { update: { set: { name: 'Zoe' }, inc: { age: 30 } } });
    expect(await userPks({ where: { name: { eq: 'Alice' } } })).toEqual([]);
    expect(await userPks({ where: { age: { eq: 30 } } })).toEqual([]);
    expect(await userPks({ where: { name: { eq: 'Zoe' }, age: { eq: 60 } } })).toEqual(['alice']);
    expect(await userPks({ orderBy: { field: 'name' } })).toEqual(['bob', 'carol', 'dave', 'erin', 'alice']);
    expect(await userPks({ orderBy: { field: 'age', direction: 'DESC' } })).toEqual(['alice', 'dave', 'bob', 'erin', 'carol']);
    const shards = new Set(PEOPLE.map(([pk]) => indexPrefixOf(`User:${pk}`)));
    const names = await Promise.all([...shards].map((prefix) => t.redis.client.zcard(`${prefix}name`)));
    expect(names.reduce((sum, each) => sum + each, 0)).toBe(5);
  });

  it('the TypeScript callback form of withLock moves them too', async () => {
    await t.gateway.store.withLock('User:carol', 'default', (model) => ({ set: { age: Number(model?.value.age) + 100 } }));
    expect(await userPks({ where: { age: { gt: 100 } } })).toEqual(['carol']);
    expect(await userPks({ where: { age: { eq: 25 } } })).toEqual([]);
  });

  it('withLocks moves the entries of every key it saves', async () => {
    // withLocks is one slot's write on a cluster: two users whose pks share a hash tag.
    await t.gateway.store.insert([
      User.create({ name: 'Amy', age: 30, email: 'amy@example.com' }, { pk: '{w}amy' }),
      User.create({ name: 'Ben', age: 20, email: 'ben@example.com' }, { pk: '{w}ben' }),
    ]);
    await t.gateway.store.withLocks('default', [
      { key: 'User:{w}amy', update: { set: { age: 41 } } },
      { key: 'User:{w}ben', update: { set: { name: 'Aaron' } } },
    ]);
    expect(await userPks({ where: { age: { gt: 40 } } })).toEqual(['{w}amy']);
    expect(await userPks({ orderBy: { field: 'name' }, first: 1 })).toEqual(['{w}ben']);
    expect(await userPks({ where: { or: [{ name: { eq: 'Ben' } }, { age: { eq: 30 } }] } })).toEqual(['alice']);
  });

  it('releaseLock saving an update moves them', async () => {
    const session = t.gateway.store.session();
    const { lease } = await session.acquireLock('User:dave', 'edit');
    await session.releaseLock(lease.token, { update: { set: { age: 18 } } });
    expect(await userPks({ where: { age: { lt: 20 } } })).toEqual(['dave']);
    expect(await userPks({ where: { age: { eq: 40 } } })).toEqual(['bob']);
  });

  it('insertMany overwriting an instance moves them', async () => {
    await t.gateway.store.insert([User.create({ name: 'Eve', age: 1, email: 'erin@example.com' }, { pk: 'erin' })]);
    expect(await userPks({ where: { name: { in: ['Erin', 'Eve'] } } })).toEqual(['erin']);
    expect(await userPks({ where: { age: { eq: 35 } } })).toEqual([]);
    expect(await userPks({ orderBy: { field: 'age' }, first: 1 })).toEqual(['erin']);
  });

  it('moves nothing when an insertMany is refused', async () => {
    // In the slot of User:alice, so that on a cluster too the insert is refused for the key that exists.
    const zed = `zed${slotTagOf('User:alice')}`;
    const refused = await codeOf(() =>
      t.gateway.store.insert(
        [
          User.create({ name: 'Zed', age: 99, email: 'zed@example.com' }, { pk: zed }),
          User.create({ name: 'Al', age: 1, email: 'al@example.com' }, { pk: 'alice' }),
        ],
        { onConflict: 'FAIL' },
      ),
    );
    expect(refused).toBe('KEY_EXISTS');
    expect(await userPks({ where: { or: [{ name: { in: ['Zed', 'Al'] } }, { age: { in: [1, 99] } }] } })).toEqual([]);
    expect(await userPks({ where: { name: { eq: 'Alice' }, age: { eq: 30 } } })).toEqual(['alice']);
    expect(await indexKeysNaming('User', zed)).toEqual([]);
  });

  it('leaves them as they were for an update of an unindexed field, or a condition that does not hold', async () => {
    const session = t.gateway.store.session();
    await session.withLock('User:alice', 'default', { update: { inc: { balance: 7 } } });
    const refused = await session.withLock('User:bob', 'default', { when: { age: { lt: 18 } }, update: { set: { age: 17 } } });
    expect(refused.applied).toBe(false);
    expect(await userPks({ where: { name: { eq: 'Alice' }, age: { eq: 30 } } })).toEqual(['alice']);
    expect(await userPks({ where: { age: { eq: 40 } } })).toEqual(['bob', 'dave']);
    expect(await userPks({ where: { age: { eq: 17 } } })).toEqual([]);
  });
});
