import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Order, Product, User } from '../examples/shop.js';
import { createStore, defineModel, type ErrorCode, type Store } from '../src/index.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';
import { gatewayError } from './helpers/gateway-error.js';

/** A model whose pk is one of its fields, as a product catalogue keys items by SKU. */
const Item = defineModel('Item', z.object({ sku: z.string().min(1), title: z.string() }), { key: 'sku' });
/** An integer key field: its pk is the number's decimal text. */
const Seat = defineModel('Seat', z.object({ number: z.int32().min(1), row: z.string() }), { key: 'number' });

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const codeOf = async (action: () => unknown): Promise<ErrorCode> => (await gatewayError(action)).code;

// Documents written together share a hash tag: on a cluster a write of several slots is refused (CROSS_SLOT).
const alice = () => User.create({ name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 }, { pk: '{shop}alice' });
const book = () => Product.create({ name: 'Book', price: 12.5, stock: 3 }, { pk: '{shop}book' });

let redis: TestRedis;
let store: Store;

beforeAll(async () => {
  redis = await openTestRedis();
  store = createStore({ redis: redis.client, models: [User, Product, Order, Item, Seat] });
});

afterAll(async () => {
  await redis.close();
});

beforeEach(async () => {
  await redis.flush();
});

describe('Model.create', () => {
  it('gives a draft its key before it is saved', () => {
    const draft = alice();
    expect(draft).toMatchObject({ model: User, pk: '{shop}alice', key: 'User:{shop}alice' });
  });

  it('gives a draft without a pk a new UUIDv7, and a key made of it', () => {
    const first = User.create({ name: 'Bob', age: 40, email: 'bob@example.com' });
    const second = User.create({ name: 'Bob', age: 40, email: 'bob@example.com' });
    expect(first.pk).toMatch(UUID_V7);
    expect(first.key).toBe(`User:${first.pk}`);
    expect(second.pk).not.toBe(first.pk);
  });

  it("applies the schema's defaults to the draft's value", () => {
    expect(User.create({ name: 'Bob', age: 40, email: 'bob@example.com' }).value).toEqual({
      name: 'Bob',
      age: 40,
      email: 'bob@example.com',
      balance: 0,
    });
  });

  it('refuses invalid input with VALIDATION_FAILED naming the model and the field', async () => {
    const error = await gatewayError(() => User.create({ name: 'Alice', age: -1, email: 'alice@example.com' }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ model: 'User', field: 'age' });
    expect(error.message).toContain('User.age');
  });

  it('refuses a value of the wrong type with VALIDATION_FAILED naming the field', async () => {
    const error = await gatewayError(() => User.create({ name: 'Alice', age: 'thirty', email: 'alice@example.com' } as never));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'age' });
  });

  it('refuses an empty pk with INVALID_KEY', async () => {
    expect(await codeOf(() => User.create({ name: 'Alice', age: 30, email: 'alice@example.com' }, { pk: '' }))).toBe('INVALID_KEY');
  });
});

describe('a model with a key field', () => {
  it("takes its pk from the field's value", () => {
    expect(Item.create({ sku: 'A-1', title: 'Anvil' })).toMatchObject({ pk: 'A-1', key: 'Item:A-1' });
  });

  it("takes its pk from an integer field's decimal text", () => {
    expect(Seat.create({ number: 12, row: 'F' })).toMatchObject({ pk: '12', key: 'Seat:12' });
  });

  it('refuses a separate pk with BAD_USER_INPUT naming the key field', async () => {
    const error = await gatewayError(() => Item.create({ sku: 'A-1', title: 'Anvil' }, { pk: 'other' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('"sku"');
  });

  it('is stored and read back under the key its field gives', async () => {
    await store.insert([Item.create({ sku: 'A-1', title: 'Anvil' })]);
    expect(await redis.exists('Item:A-1')).toBe(1);
    expect((await store.get(Item, 'A-1'))?.value).toEqual({ sku: 'A-1', title: 'Anvil' });
  });
});

describe('store.insert', () => {
  it('writes drafts of several models, referring to each other by key, and returns the instances in order', async () => {
    const user = alice();
    const product = book();
    const placedAt = new Date('2024-05-01T10:00:00.000Z');
    const order = Order.create({ userId: user.key, productId: product.key, quantity: 2, placedAt }, { pk: '{shop}o-1' });

    const instances = await store.insert([order, user, product]);

    expect(instances.map((instance) => instance.key)).toEqual(['Order:{shop}o-1', 'User:{shop}alice', 'Product:{shop}book']);
    expect(instances[0]).toEqual({
      model: Order,
      key: 'Order:{shop}o-1',
      pk: '{shop}o-1',
      ttl: Order.ttl,
      value: { userId: 'User:{shop}alice', productId: 'Product:{shop}book', quantity: 2, status: 'PENDING', placedAt },
    });
    expect(instances[1]).toMatchObject({ model: User, pk: '{shop}alice', ttl: null, value: user.value });
    expect(instances[2]).toMatchObject({
      model: Product,
      pk: '{shop}book',
      ttl: null,
      value: { name: 'Book', price: 12.5, inStock: true, stock: 3, tags: [] },
    });

    const stored = await store.find(instances.map((instance) => instance.key));
    expect(stored.map((instance) => instance.value)).toEqual([order.value, user.value, product.value]);
    expect(await redis.client.ttl('Order:{shop}o-1')).toBe(Order.ttl);
  });

  it('returns an empty list for no drafts, without touching Redis', async () => {
    expect(await store.insert([])).toEqual([]);
    expect(await redis.dbsize()).toBe(0);
  });

  it('replaces an existing key by default (onConflict OVERWRITE)', async () => {
    await store.insert([alice()]);
    await store.insert([User.create({ name: 'Alice B.', age: 31, email: 'alice@example.com' }, { pk: '{shop}alice' })]);
    expect((await store.get('User:{shop}alice'))?.value).toMatchObject({ name: 'Alice B.', age: 31, balance: 0 });
  });

  it('with onConflict FAIL writes nothing when one key exists, and throws KEY_EXISTS naming that key', async () => {
    await store.insert([book()]);
    const newcomer = alice();
    const clash = Product.create({ name: 'Another book', price: 1 }, { pk: '{shop}book' });

    const error = await gatewayError(() => store.insert([newcomer, clash], { onConflict: 'FAIL' }));

    expect(error.code).toBe('KEY_EXISTS');
    expect(error.details).toMatchObject({ key: 'Product:{shop}book' });
    expect(error.message).toContain('"Product:{shop}book"');
    expect(await redis.exists('User:{shop}alice')).toBe(0);
    expect((await store.get(Product, '{shop}book'))?.value.name).toBe('Book');
  });

  it('with onConflict FAIL writes every draft when no key exists', async () => {
    const instances = await store.insert([alice(), book()], { onConflict: 'FAIL' });
    expect(instances.map((instance) => instance.key)).toEqual(['User:{shop}alice', 'Product:{shop}book']);
    expect(await redis.exists('User:{shop}alice', 'Product:{shop}book')).toBe(2);
  });

  it('refuses the same key twice in one insert with BAD_USER_INPUT, writing nothing', async () => {
    const error = await gatewayError(() => store.insert([alice(), book(), alice()]));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.details).toMatchObject({ key: 'User:{shop}alice', index: 2 });
    expect(await redis.dbsize()).toBe(0);
  });
});

describe('store.get', () => {
  beforeEach(async () => {
    await store.insert([alice(), book()]);
  });

  it('returns the instance at a key', async () => {
    expect(await store.get('User:{shop}alice')).toEqual({
      model: User,
      key: 'User:{shop}alice',
      pk: '{shop}alice',
      ttl: undefined,
      value: alice().value,
    });
  });

  it('returns the instance of a model and pk', async () => {
    const instance = await store.get(Product, '{shop}book');
    expect(instance).toMatchObject({ model: Product, key: 'Product:{shop}book', pk: '{shop}book' });
    expect(instance?.value).toEqual(book().value);
  });

  it("reports the key's remaining TTL when asked, null when it has none", async () => {
    expect((await store.get('User:{shop}alice', { withTtl: true }))?.ttl).toBeNull();
    expect((await store.get(User, '{shop}alice', { withTtl: true }))?.ttl).toBeNull();
  });

  it('returns null for a missing key', async () => {
    expect(await store.get('User:nobody')).toBeNull();
    expect(await store.get(User, 'nobody')).toBeNull();
  });

  it('throws MODEL_NOT_FOUND for a key naming no registered model', async () => {
    const error = await gatewayError(() => store.get('Ghost:1'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.details).toMatchObject({ key: 'Ghost:1', model: 'Ghost' });
  });

  it('throws INVALID_KEY for a malformed key', async () => {
    for (const key of ['alice', ':alice', 'User:', '']) {
      expect(await codeOf(() => store.get(key)), key).toBe('INVALID_KEY');
    }
  });
});

describe('store.find', () => {
  beforeEach(async () => {
    await store.insert([alice(), book()]);
  });

  it('returns instances in key order, duplicates included', async () => {
    const found = await store.find(['Product:{shop}book', 'User:{shop}alice', 'Product:{shop}book']);
    expect(found.map((instance) => instance.key)).toEqual(['Product:{shop}book', 'User:{shop}alice', 'Product:{shop}book']);
    expect(found[1]?.value).toEqual(alice().value);
  });

  it('throws KEY_NOT_FOUND naming a missing key', async () => {
    const error = await gatewayError(() => store.find(['User:{shop}alice', 'User:nobody']));
    expect(error.code).toBe('KEY_NOT_FOUND');
    expect(error.details).toMatchObject({ key: 'User:nobody' });
  });

  it('drops missing keys with skipMissing', async () => {
    const found = await store.find(['User:nobody', 'Product:{shop}book', 'Product:none', 'User:{shop}alice'], { skipMissing: true });
    expect(found.map((instance) => instance.key)).toEqual(['Product:{shop}book', 'User:{shop}alice']);
  });

  it('throws MODEL_NOT_FOUND and INVALID_KEY for bad keys, even with skipMissing', async () => {
    expect(await codeOf(() => store.find(['User:{shop}alice', 'Ghost:1'], { skipMissing: true }))).toBe('MODEL_NOT_FOUND');
    expect(await codeOf(() => store.find(['User:{shop}alice', 'no-colon'], { skipMissing: true }))).toBe('INVALID_KEY');
  });

  it('returns an empty list for no keys', async () => {
    expect(await store.find([])).toEqual([]);
  });
});
