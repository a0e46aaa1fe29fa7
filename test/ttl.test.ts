import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel } from '../src/index.js';
import { models as shopModels, Order, User } from '../examples/shop.js';
import { NodeWithTtlDocument } from './generated/graphql.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

const Session = defineModel('Session', z.object({ user: z.string() }), { ttl: 600, refreshTtl: false });
const Cart = defineModel('Cart', z.object({ items: z.array(z.string()) }), { ttl: 120 });

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway({ models: [...shopModels, Session, Cart] });
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

const ttlOf = (key: string) => t.redis.client.ttl(key);
const readTtl = async (key: string) => (await t.execute(NodeWithTtlDocument, { key })).data?.node?.ttl;

describe('a model with ttl and refreshTtl (the default)', () => {
  it('gets its TTL on insert, and answers it in the mutation result', async () => {
    const { data } = await t.execute(`mutation { insertMany(models: [{ cart: { pk: "c1", items: [] } }]) { key ttl } }`);
    expect(data).toEqual({ insertMany: [{ key: 'Cart:c1', ttl: 120 }] });
    expect(await ttlOf('Cart:c1')).toBe(120);
  });

  it('has its TTL reset to the model ttl by every read, and reports the refreshed value', async () => {
    await t.gateway.store.insert([Cart.create({ items: ['a'] }, { pk: 'c1' })]);
    await t.redis.client.expire('Cart:c1', 5);
    expect(await readTtl('Cart:c1')).toBe(120);
    expect(await ttlOf('Cart:c1')).toBe(120);
  });

  it('is refreshed by a read that does not select ttl', async () => {
    await t.gateway.store.insert([Cart.create({ items: ['a'] }, { pk: 'c1' })]);
    await t.redis.client.expire('Cart:c1', 5);
    await t.execute(`{ node(key: "Cart:c1") { key } }`);
    expect(await ttlOf('Cart:c1')).toBe(120);
  });

  it('has its TTL reset by an overwrite', async () => {
    await t.gateway.store.insert([
      Order.create({ userId: 'User:a', productId: 'Product:b', quantity: 1, placedAt: new Date() }, { pk: 'o1' }),
    ]);
    await t.redis.client.expire('Order:o1', 5);
    await t.gateway.store.insert([
      Order.create({ userId: 'User:a', productId: 'Product:b', quantity: 2, placedAt: new Date() }, { pk: 'o1' }),
    ]);
    expect(await ttlOf('Order:o1')).toBe(Order.ttl);
  });
});

describe('a model with ttl and refreshTtl: false', () => {
  it('keeps counting down through reads, and reports what is left', async () => {
    await t.gateway.store.insert([Session.create({ user: 'User:a' }, { pk: 's1' })]);
    expect(await ttlOf('Session:s1')).toBe(600);
    await t.redis.client.expire('Session:s1', 50);
    const reported = await readTtl('Session:s1');
    expect(reported).toBeGreaterThan(0);
    expect(reported).toBeLessThanOrEqual(50);
    expect(await ttlOf('Session:s1')).toBeLessThanOrEqual(50);
  });

  it('keeps the remaining TTL on overwrite, as EXPIRE NX does', async () => {
    await t.gateway.store.insert([Session.create({ user: 'User:a' }, { pk: 's1' })]);
    await t.redis.client.expire('Session:s1', 50);
    const [stored] = await t.gateway.store.insert([Session.create({ user: 'User:b' }, { pk: 's1' })]);
    expect(stored?.ttl).toBeLessThanOrEqual(50);
    expect(await ttlOf('Session:s1')).toBeLessThanOrEqual(50);
    expect(await t.redis.client.get('Session:s1')).toBe('{"user":"User:b"}');
  });
});

describe('a model without ttl', () => {
  it('reports ttl null and never expires', async () => {
    await t.gateway.store.insert([User.create({ name: 'A', age: 1, email: 'a@example.com' }, { pk: 'a' })]);
    expect(await readTtl('User:a')).toBeNull();
    expect(await ttlOf('User:a')).toBe(-1);
  });

  it('clears a TTL the key had when it is overwritten', async () => {
    await t.gateway.store.insert([User.create({ name: 'A', age: 1, email: 'a@example.com' }, { pk: 'a' })]);
    await t.redis.client.expire('User:a', 50);
    await t.gateway.store.insert([User.create({ name: 'A', age: 2, email: 'a@example.com' }, { pk: 'a' })]);
    expect(await ttlOf('User:a')).toBe(-1);
  });
});
