import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InsertManyDocument } from './generated/graphql.js';
import { User } from '../examples/shop.js';
import { byMode } from './helpers/modes.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway();
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

// One hash tag for the documents written together: on a cluster a write of several slots is refused (CROSS_SLOT).
const alice = { user: { pk: '{shop}alice', name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 } };
const book = { product: { pk: '{shop}book', name: 'Book', price: 12.5, stock: 3 } };
/** Model keys only: the gateway's own index keys live under rmg:. */
const storedKeys = async () => (await t.redis.keys()).filter((key) => !key.startsWith('rmg:'));

describe('insertMany', () => {
  it('writes models of several types and returns them in input order, defaults applied', async () => {
    const { data, errors } = await t.execute(InsertManyDocument, {
      models: [
        book,
        alice,
        {
          order: {
            pk: '{shop}o1',
            userId: 'User:{shop}alice',
            productId: 'Product:{shop}book',
            quantity: 2,
            placedAt: '2025-03-01T10:00:00.000Z',
          },
        },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data?.insertMany).toEqual([
      { key: 'Product:{shop}book', pk: '{shop}book', ttl: null, name: 'Book', price: 12.5, inStock: true, stock: 3, tags: [] },
      { key: 'User:{shop}alice', pk: '{shop}alice', ttl: null, name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 },
      {
        key: 'Order:{shop}o1',
        pk: '{shop}o1',
        ttl: 2592000,
        userId: 'User:{shop}alice',
        productId: 'Product:{shop}book',
        quantity: 2,
        status: 'PENDING',
        placedAt: '2025-03-01T10:00:00.000Z',
      },
    ]);
    expect(await storedKeys()).toEqual(['Order:{shop}o1', 'Product:{shop}book', 'User:{shop}alice']);
    expect(JSON.parse((await t.redis.client.get('User:{shop}alice')) ?? '')).toEqual({
      name: 'Alice',
      age: 30,
      email: 'alice@example.com',
      balance: 100,
    });
  });

  it('makes a time-ordered UUIDv7 pk when none is given', async () => {
    const { data } = await t.execute(InsertManyDocument, {
      models: [{ user: { name: 'A', age: 1, email: 'a@example.com' } }, { user: { name: 'B', age: 2, email: 'b@example.com' } }],
    });
    const [first, second] = data?.insertMany.map((model) => model.pk) ?? [];
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
    // On a cluster the UUID is followed by a hash tag drawn once per call, so that the call's documents share a slot.
    const pk = new RegExp(byMode({ standalone: `^${uuid}$`, cluster: `^${uuid}(\\{[0-9a-z]+\\})$` }));
    expect(first).toMatch(pk);
    expect(second).toMatch(pk);
    expect(pk.exec(second!)?.[1]).toBe(pk.exec(first!)?.[1]);
    expect(first! < second!).toBe(true);
  });

  it('lets a read after a write in the same session see the write, without asking Redis again', async () => {
    const session = t.gateway.store.session();
    expect(await session.get('User:{shop}alice')).toBeNull();
    await session.insert([User.create({ name: 'Alice', age: 30, email: 'alice@example.com' }, { pk: '{shop}alice' })]);
    const { result, commands } = await t.redis.countCommands(() => session.get('User:{shop}alice'));
    expect(result?.value).toMatchObject({ name: 'Alice' });
    expect(commands).toEqual([]);
  });

  it('replaces existing keys with OVERWRITE, the default', async () => {
    await t.execute(InsertManyDocument, { models: [alice] });
    const { data } = await t.execute(InsertManyDocument, { models: [{ user: { ...alice.user, name: 'Alice II', balance: 5 } }] });
    expect(data?.insertMany[0]).toMatchObject({ name: 'Alice II', balance: 5 });
    expect(JSON.parse((await t.redis.client.get('User:{shop}alice')) ?? '')).toMatchObject({ name: 'Alice II', balance: 5 });
  });

  it('writes nothing under FAIL when any key exists, and names that key with KEY_EXISTS', async () => {
    await t.execute(InsertManyDocument, { models: [alice] });
    const { data, errors } = await t.execute(InsertManyDocument, {
      models: [book, { user: { ...alice.user, name: 'Mallory' } }],
      onConflict: 'FAIL',
    });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'KEY_EXISTS' }]);
    expect(errors?.[0]?.extensions).toMatchObject({ key: 'User:{shop}alice', index: 1 });
    expect(await storedKeys()).toEqual(['User:{shop}alice']);
    expect(JSON.parse((await t.redis.client.get('User:{shop}alice')) ?? '')).toMatchObject({ name: 'Alice' });
  });

  it('refuses a zod rule the schema cannot express with VALIDATION_FAILED naming index and field, writing nothing', async () => {
    const { data, errors } = await t.execute(InsertManyDocument, { models: [book, { user: { ...alice.user, email: 'not-an-email' } }] });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'VALIDATION_FAILED' }]);
    expect(errors?.[0]?.extensions).toMatchObject({ index: 1, model: 'User', field: 'email' });
    expect(errors?.[0]?.message).toMatch(/models\[1\].*User\.email/);
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses the same key twice in one call with BAD_USER_INPUT, writing nothing', async () => {
    const { errors } = await t.execute(InsertManyDocument, { models: [alice, book, { user: { ...alice.user, name: 'Again' } }] });
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'BAD_USER_INPUT' }]);
    expect(errors?.[0]?.message).toContain('User:{shop}alice');
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses a pk that makes a malformed key with INVALID_KEY naming the index', async () => {
    const { errors } = await t.execute(InsertManyDocument, { models: [book, { user: { ...alice.user, pk: '' } }] });
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'INVALID_KEY' }]);
    expect(errors?.[0]?.extensions?.index).toBe(1);
    expect(await storedKeys()).toEqual([]);
  });

  it('keeps GraphQL validation errors for input the schema rejects', async () => {
    const wrongScalar = await t.execute(InsertManyDocument, { models: [{ user: { ...alice.user, age: 'thirty' } }] } as never);
    expect(wrongScalar.errors?.[0]?.message).toMatch(/Int/);
    expect(wrongScalar.errors?.[0]?.extensions?.code).not.toBe('VALIDATION_FAILED');
    const twoMembers = await t.execute(InsertManyDocument, { models: [{ ...alice, ...book }] } as never);
    expect(twoMembers.errors?.[0]?.message).toMatch(/Exactly one key must be specified for OneOf type "ModelInput"/);
    expect(await storedKeys()).toEqual([]);
  });

  it('returns an empty list and touches nothing for no models', async () => {
    const { data } = await t.execute(InsertManyDocument, { models: [] });
    expect(data?.insertMany).toEqual([]);
  });
});
