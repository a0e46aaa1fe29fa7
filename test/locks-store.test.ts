import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels, Order, Product, User } from '../examples/shop.js';
import { createStore, defineModel, type ModelInstance, type Store } from '../src/index.js';
import type { Update } from '../src/model/apply-update.js';
import type { Condition } from '../src/model/conditions.js';
import { describeCommand } from './helpers/command-counter.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';
import { gatewayError } from './helpers/gateway-error.js';
import { uncontendedLockCommands } from './helpers/lock-commands.js';
import { keyspaceFor } from '../src/store/keyspace.js';

/*
 * Locks through the TypeScript store, against a real Redis. Nothing here waits for the clock: callers
 * wait for each other on barriers (promises the test opens), and where a lease must run out, the test
 * waits for the next caller to be granted the lock.
 *
 * The shop's documents share a hash tag, {shop}: on a cluster, locks over several documents (withLocks)
 * and writes of several documents must keep to one slot (CROSS_SLOT otherwise, see cross-slot.test.ts).
 */

/** Optional and nullable fields of every filterable kind, a list and a record: for conditions and update operations. */
const Profile = defineModel(
  'Profile',
  z.object({
    name: z.string(),
    nickname: z.string().optional(),
    score: z.int32().nullable(),
    rating: z.number().optional(),
    active: z.boolean().optional(),
    joinedAt: z.date().optional(),
    level: z.enum(['LOW', 'HIGH']).optional(),
    tags: z.array(z.string()).default([]),
    prefs: z.record(z.string(), z.unknown()).default({}),
  }),
);
/** Keyed by a string field, and by an integer field: neither may change under a lock. */
const Item = defineModel('Item', z.object({ sku: z.string().min(1), title: z.string() }), { key: 'sku' });
const Seat = defineModel('Seat', z.object({ number: z.int32().min(1), row: z.string() }), { key: 'number' });

const CHILD = fileURLToPath(new URL('./lock-holder-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));

let redis: TestRedis;
let store: Store;

beforeAll(async () => {
  redis = await openTestRedis();
  store = createStore({ redis: redis.client, models: [...shopModels, Profile, Item, Seat] });
});
afterAll(() => redis.close());

beforeEach(async () => {
  await redis.flush();
  await store.insert([
    User.create({ name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 }, { pk: '{shop}alice' }),
    User.create({ name: 'Bob', age: 40, email: 'bob@example.com', balance: 100 }, { pk: '{shop}bob' }),
    Product.create({ name: 'Book', price: 10, stock: 3 }, { pk: '{shop}book' }),
  ]);
});

/** A promise the test opens by hand: how these specs make one caller wait for another. */
function barrier() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** The document as Redis holds it, decoded by hand: what was written, not what the store says it wrote. */
async function stored(key: string): Promise<Record<string, unknown> | null> {
  const text = await redis.client.get(key);
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

const field = (model: ModelInstance | null | undefined, name: string) => (model?.value as Record<string, unknown> | undefined)?.[name];
const lockKey = (key: string, action: string) => keyspaceFor(redis.client).lockKey(key, action);

describe('withLock, the callback form (store.withLock)', () => {
  it('hands the callback the model, saves the update it returns, and answers the saved model with a fencing token', async () => {
    let seen: ModelInstance | null = null;
    const result = await store.withLock('User:{shop}alice', 'buy', (model) => {
      seen = model;
      return { inc: { balance: -10 } };
    });
    expect(field(seen, 'balance')).toBe(100);
    expect(result).toMatchObject({ key: 'User:{shop}alice', applied: true });
    expect(field(result.model, 'balance')).toBe(90);
    expect(result.fencingToken).toMatch(/^\d+$/);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });

  it('of 50 concurrent purchases on a balance of 100, applies exactly 10, and the balance ends at 0, never below', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        store.withLock(
          'User:{shop}alice',
          'buy',
          (model) => (Number(field(model, 'balance')) >= 10 ? { inc: { balance: -10 } } : undefined),
          {
            timeoutMs: 60_000,
          },
        ),
      ),
    );
    const applied = results.filter((result) => result.applied);
    expect(applied).toHaveLength(10);
    // Each purchase saw the one before it: the balances saved are 90, 80, ..., 0, each once.
    expect(applied.map((result) => field(result.model, 'balance')).sort((a, b) => Number(b) - Number(a))).toEqual([
      90, 80, 70, 60, 50, 40, 30, 20, 10, 0,
    ]);
    expect(results.filter((result) => !result.applied).every((result) => field(result.model, 'balance') === 0)).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 0 });
  });

  it('hands the callback null for a missing key, and saves nothing whatever it returns', async () => {
    let seen: ModelInstance | null | undefined;
    const result = await store.withLock('User:{shop}nobody', 'buy', (model) => {
      seen = model;
      return { inc: { balance: 1 } };
    });
    expect(seen).toBeNull();
    expect(result).toMatchObject({ key: 'User:{shop}nobody', applied: false, model: null });
    expect(await redis.client.exists('User:{shop}nobody')).toBe(0);
  });

  it('saves nothing when the callback returns nothing, and answers the model as it stands', async () => {
    const result = await store.withLock('User:{shop}alice', 'look', () => undefined);
    expect(result.applied).toBe(false);
    expect(field(result.model, 'balance')).toBe(100);
  });

  it('with saveAtEnd false answers the updated model without saving it', async () => {
    const result = await store.withLock('User:{shop}alice', 'buy', () => ({ inc: { balance: -10 } }), { saveAtEnd: false });
    expect(result.applied).toBe(false);
    expect(field(result.model, 'balance')).toBe(90);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
  });

  it('answers model null and saves nothing when the document is deleted while the callback runs', async () => {
    const result = await store.withLock('User:{shop}alice', 'buy', async (model) => {
      expect(field(model, 'balance')).toBe(100);
      await redis.client.del('User:{shop}alice'); // another writer, which needs no lock to delete
      return { inc: { balance: -10 } };
    });
    expect({ applied: result.applied, value: result.model?.value ?? null }).toEqual({ applied: false, value: null });
    expect(await redis.client.exists('User:{shop}alice')).toBe(0);
  });

  it('saves nothing when the callback throws, rejects with its error, and lets the lock go', async () => {
    const before = await redis.client.get('User:{shop}alice');
    await expect(
      store.withLock('User:{shop}alice', 'buy', () => {
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await redis.client.get('User:{shop}alice')).toBe(before);
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
    expect((await store.withLock('User:{shop}alice', 'buy', () => ({ inc: { balance: -1 } }), { timeoutMs: 0 })).applied).toBe(true);
  });

  it('keeps the lease alive while the callback runs, past several leases', async () => {
    const waiter = store.session();
    const result = await store.withLock(
      'User:{shop}alice',
      'buy',
      async () => {
        // Waits three times the holder's lease, and never gets the lock: the holder kept extending it.
        const error = await gatewayError(() => waiter.acquireLock('User:{shop}alice', 'buy', { timeoutMs: 900 }));
        expect(error.code).toBe('LOCK_TIMEOUT');
        return { inc: { balance: -10 } };
      },
      { leaseMs: 300 },
    );
    expect(result.applied).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
  });

  it('lets the lock go after maxHoldMs and refuses the save with LOCK_LOST, writing nothing', async () => {
    const next = store.session();
    let nextHolder: Awaited<ReturnType<typeof next.acquireLock>> | undefined;
    const error = await gatewayError(() =>
      store.withLock(
        'User:{shop}alice',
        'buy',
        async () => {
          // The next caller is granted the lock while this callback still runs: it was let go.
          nextHolder = await next.acquireLock('User:{shop}alice', 'buy', { timeoutMs: 10_000 });
          return { inc: { balance: -10 } };
        },
        { leaseMs: 300, maxHoldMs: 100 },
      ),
    );
    expect(error.code).toBe('LOCK_LOST');
    expect(error.message).toContain('maxHoldMs (100 ms)');
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
    // The first holder's cleanup did not take the lock from the next one.
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(1);
    expect((await next.releaseLock(nextHolder?.lease.token ?? '')).key).toBe('User:{shop}alice');
  });
});

describe('mutual exclusion', () => {
  it('keeps a second caller of (key, action) out until the holder is done, while other actions and other keys go ahead', async () => {
    const holderEntered = barrier();
    const holderMayFinish = barrier();
    const entered: string[] = [];

    const holder = store.withLock('User:{shop}alice', 'a', async () => {
      entered.push('alice/a #1');
      holderEntered.open();
      await holderMayFinish.opened;
      return { inc: { age: 1 } };
    });
    await holderEntered.opened;
    // Its first attempt reaches Redis before the calls below, on the same connection.
    const second = store.withLock(
      'User:{shop}alice',
      'a',
      () => {
        entered.push('alice/a #2');
        return { inc: { age: 1 } };
      },
      { timeoutMs: 30_000 },
    );
    const otherAction = await store.withLock('User:{shop}alice', 'b', () => {
      entered.push('alice/b');
      return { inc: { balance: 1 } };
    });
    const otherKey = await store.withLock('User:{shop}bob', 'a', () => {
      entered.push('bob/a');
      return { inc: { age: 1 } };
    });
    expect(await gatewayError(() => store.withLock('User:{shop}alice', 'a', () => undefined, { timeoutMs: 0 }))).toMatchObject({
      code: 'LOCK_TIMEOUT',
    });

    expect(otherAction.applied && otherKey.applied).toBe(true);
    expect(entered).toEqual(['alice/a #1', 'alice/b', 'bob/a']);

    holderMayFinish.open();
    expect((await holder).applied).toBe(true);
    expect((await second).applied).toBe(true);
    expect(entered).toEqual(['alice/a #1', 'alice/b', 'bob/a', 'alice/a #2']);
    expect(await stored('User:{shop}alice')).toMatchObject({ age: 32, balance: 101 });
  });

  it('never lets two of 20 concurrent callers of (key, action) inside at once', async () => {
    let inside = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.withLock(
          'User:{shop}alice',
          'a',
          async () => {
            inside += 1;
            most = Math.max(most, inside);
            await redis.client.ping(); // a real round trip inside, where another holder could slip in
            inside -= 1;
            return { inc: { age: 1 } };
          },
          { timeoutMs: 30_000 },
        ),
      ),
    );
    expect(most).toBe(1);
    expect(results.every((result) => result.applied)).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ age: 50 });
  });

  it('answers LOCK_TIMEOUT to a caller that waited timeoutMs, naming the key, the action and the timeout', async () => {
    const { lease } = await store.session().acquireLock('User:{shop}alice', 'buy');
    const error = await gatewayError(() =>
      store.session().withLock('User:{shop}alice', 'buy', { update: { inc: { balance: -10 } }, timeoutMs: 200 }),
    );
    expect(error.code).toBe('LOCK_TIMEOUT');
    expect(error.details).toEqual({ key: 'User:{shop}alice', action: 'buy', timeoutMs: 200 });
    expect(error.message).toContain('"buy" on "User:{shop}alice"');
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
    await store.session().releaseLock(lease.token);
  });

  it('grants the lock to a waiting caller once its holder releases it', async () => {
    const holder = store.session();
    const { lease } = await holder.acquireLock('User:{shop}alice', 'buy');
    const waiter = store.session().withLock('User:{shop}alice', 'buy', { update: { inc: { balance: -10 } }, timeoutMs: 30_000 });
    const released = await holder.releaseLock(lease.token, { update: { inc: { balance: -1 } } });
    expect(released.applied).toBe(true);
    const waited = await waiter;
    expect(waited.applied).toBe(true);
    expect(field(waited.model, 'balance')).toBe(89);
    expect(BigInt(waited.fencingToken ?? 0)).toBeGreaterThan(BigInt(lease.fencingToken));
  });
});

describe('holders of different actions on one key', () => {
  it('keep every change of both: 30 increments of age under "a" and 30 of balance under "b", concurrently', async () => {
    const loop = (action: string, update: () => { inc: Record<string, number> }) =>
      Promise.all(Array.from({ length: 30 }, () => store.withLock('User:{shop}alice', action, update, { timeoutMs: 60_000 })));
    const [a, b] = await Promise.all([loop('a', () => ({ inc: { age: 1 } })), loop('b', () => ({ inc: { balance: 1 } }))]);
    expect([...a, ...b].every((result) => result.applied)).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ age: 60, balance: 130 });
  });

  it("apply the update to the document as stored: a save after another action's save keeps that action's change", async () => {
    const aLoaded = barrier();
    const bSaved = barrier();
    const a = store.withLock('User:{shop}alice', 'a', async (model) => {
      expect(field(model, 'balance')).toBe(100);
      aLoaded.open();
      await bSaved.opened;
      return { set: { name: 'Alice A.' }, inc: { age: 1 } };
    });
    await aLoaded.opened;
    const b = await store.withLock('User:{shop}alice', 'b', () => ({ set: { email: 'alice@b.example' }, inc: { balance: -30 } }));
    expect(b.applied).toBe(true);
    bSaved.open();

    const result = await a;
    expect(result.applied).toBe(true);
    expect(result.model?.value).toEqual({ name: 'Alice A.', age: 31, email: 'alice@b.example', balance: 70 });
    expect(await stored('User:{shop}alice')).toEqual({ name: 'Alice A.', age: 31, email: 'alice@b.example', balance: 70 });
  });
});

describe('withLock, the declarative form (session.withLock)', () => {
  it('of 50 concurrent purchases when balance >= 10, applies exactly 10 and leaves the balance at 0', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        store
          .session()
          .withLock('User:{shop}alice', 'buy', { when: { balance: { gte: 10 } }, update: { inc: { balance: -10 } }, timeoutMs: 60_000 }),
      ),
    );
    expect(results.filter((result) => result.applied)).toHaveLength(10);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 0 });
  });

  it('writes nothing when the condition is false, and answers the model as it stands', async () => {
    const before = await redis.client.get('User:{shop}alice');
    const result = await store
      .session()
      .withLock('User:{shop}alice', 'buy', { when: { balance: { gte: 1000 } }, update: { inc: { balance: -1000 } } });
    expect(result).toMatchObject({ applied: false });
    expect(field(result.model, 'balance')).toBe(100);
    expect(await redis.client.get('User:{shop}alice')).toBe(before);
  });

  it('answers model null and applied false for a missing key, writing nothing', async () => {
    const result = await store.session().withLock('User:{shop}nobody', 'buy', { update: { set: { name: 'Ghost' } } });
    expect(result).toMatchObject({ key: 'User:{shop}nobody', applied: false, model: null });
    expect(await redis.client.exists('User:{shop}nobody')).toBe(0);
  });

  it('refuses an update that breaks the schema with VALIDATION_FAILED, writing nothing and letting the lock go', async () => {
    const before = await redis.client.get('User:{shop}alice');
    const error = await gatewayError(() => store.session().withLock('User:{shop}alice', 'buy', { update: { inc: { balance: -101 } } }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ model: 'User', field: 'balance' });
    expect(await redis.client.get('User:{shop}alice')).toBe(before);
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });

  it('refuses a change of the key field with IMMUTABLE_KEY, writing nothing, and accepts a set to the same value', async () => {
    // Two inserts: on a cluster their keys, which are their key fields, are in different slots.
    await store.insert([Item.create({ sku: 'A-1', title: 'Anvil' })]);
    await store.insert([Seat.create({ number: 7, row: 'F' })]);
    const before = await redis.mget('Item:A-1', 'Seat:7');
    const changed = await gatewayError(() =>
      store.session().withLock('Item:A-1', 'edit', { update: { set: { sku: 'B-2', title: 'Bell' } } }),
    );
    expect(changed.code).toBe('IMMUTABLE_KEY');
    expect(changed.details).toEqual({ model: 'Item', field: 'sku' });
    const incremented = await gatewayError(() => store.session().withLock('Seat:7', 'edit', { update: { inc: { number: 1 } } }));
    expect(incremented.code).toBe('IMMUTABLE_KEY');
    expect(await redis.mget('Item:A-1', 'Seat:7')).toEqual(before);

    const same = await store.session().withLock('Item:A-1', 'edit', { update: { set: { sku: 'A-1', title: 'Anvil II' } } });
    expect(same.applied).toBe(true);
    expect(await stored('Item:A-1')).toEqual({ sku: 'A-1', title: 'Anvil II' });
  });

  it('resets the TTL of a model that has one when it saves', async () => {
    await store.insert([
      Order.create(
        { userId: 'User:{shop}alice', productId: 'Product:{shop}book', quantity: 1, placedAt: new Date('2024-05-01T10:00:00Z') },
        { pk: '{shop}o1' },
      ),
    ]);
    await redis.client.expire('Order:{shop}o1', 100);
    const result = await store.session().withLock('Order:{shop}o1', 'ship', { update: { set: { status: 'SHIPPED' } } });
    expect(result.applied).toBe(true);
    expect(result.model?.ttl).toBe(Order.ttl);
    expect(await redis.client.ttl('Order:{shop}o1')).toBeGreaterThan(100);
  });

  it('lets a later read in the same session see the write, without a Redis command', async () => {
    const session = store.session();
    expect(field(await session.get('User:{shop}alice'), 'balance')).toBe(100);
    await session.withLock('User:{shop}alice', 'buy', { update: { inc: { balance: -10 } } });
    const { result, commands } = await redis.countCommands(() => session.get('User:{shop}alice'));
    expect(field(result, 'balance')).toBe(90);
    expect(commands).toEqual([]);
  });

  it('leaves the session reading the stored model after a dry run', async () => {
    const session = store.session();
    await session.get('User:{shop}alice');
    const dryRun = await session.withLock('User:{shop}alice', 'buy', { update: { inc: { balance: -10 } }, saveAtEnd: false });
    expect(field(dryRun.model, 'balance')).toBe(90);
    expect(field(await session.get('User:{shop}alice'), 'balance')).toBe(100);
  });

  it('takes four commands when uncontended: acquire, MGET, save, release', async () => {
    await store.session().withLock('User:{shop}bob', 'buy', { update: { inc: { balance: -1 } } }); // loads the scripts into Redis
    const { result, commands } = await redis.countCommands(() =>
      store.session().withLock('User:{shop}alice', 'buy', { when: { balance: { gte: 10 } }, update: { inc: { balance: -10 } } }),
    );
    expect(result.applied).toBe(true);
    expect(commands.map(describeCommand)).toEqual(
      uncontendedLockCommands(redis.client, 'User:{shop}alice', 'buy', 'User', ['name', 'age']),
    );
    // All of them to the one node that serves the document's slot.
    expect(new Set(commands.map((command) => command.node)).size).toBe(1);
  });
});

describe('withLocks', () => {
  const purchase = (user: string, product: string, price: number) => [
    { key: user, when: { balance: { gte: price } }, update: { inc: { balance: -price } } },
    { key: product, when: { stock: { gte: 1 } }, update: { inc: { stock: -1 } } },
  ];

  it('buys across models in one call: locks the user and the product, checks balance and stock, changes both', async () => {
    const results = await store.withLocks('purchase', purchase('User:{shop}alice', 'Product:{shop}book', 10));
    expect(results.map((result) => [result.key, result.applied])).toEqual([
      ['User:{shop}alice', true],
      ['Product:{shop}book', true],
    ]);
    expect(field(results[0]?.model, 'balance')).toBe(90);
    expect(field(results[1]?.model, 'stock')).toBe(2);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await stored('Product:{shop}book')).toMatchObject({ stock: 2 });
  });

  it('applies nothing anywhere when one condition is false, and answers every model as it stands', async () => {
    const before = await redis.mget('User:{shop}alice', 'Product:{shop}book');
    const results = await store.withLocks('purchase', purchase('User:{shop}alice', 'Product:{shop}book', 500));
    expect(results.map((result) => result.applied)).toEqual([false, false]);
    expect(field(results[1]?.model, 'stock')).toBe(3);
    expect(await redis.mget('User:{shop}alice', 'Product:{shop}book')).toEqual(before);
  });

  it('applies nothing anywhere when one key is missing', async () => {
    const before = await redis.mget('User:{shop}alice', 'Product:{shop}book');
    const results = await store.withLocks('purchase', [
      ...purchase('User:{shop}alice', 'Product:{shop}book', 10),
      { key: 'Product:{shop}gone', update: { inc: { stock: -1 } } },
    ]);
    expect(results.map((result) => [result.applied, result.model === null])).toEqual([
      [false, false],
      [false, false],
      [false, true],
    ]);
    expect(await redis.mget('User:{shop}alice', 'Product:{shop}book')).toEqual(before);
  });

  it('saves none when one update breaks its schema', async () => {
    const before = await redis.mget('User:{shop}alice', 'Product:{shop}book');
    const error = await gatewayError(() =>
      store.withLocks('purchase', [
        { key: 'User:{shop}alice', update: { inc: { balance: -10 } } },
        { key: 'Product:{shop}book', update: { inc: { stock: -4 } } },
      ]),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(await redis.mget('User:{shop}alice', 'Product:{shop}book')).toEqual(before);
  });

  it('refuses the same key twice, no steps, or more than 32 steps with BAD_USER_INPUT', async () => {
    const twice = await gatewayError(() =>
      store.withLocks('purchase', [{ key: 'User:{shop}alice' }, { key: 'Product:{shop}book' }, { key: 'User:{shop}alice' }]),
    );
    expect(twice.code).toBe('BAD_USER_INPUT');
    expect(twice.message).toContain('"User:{shop}alice" appears twice');
    expect((await gatewayError(() => store.withLocks('purchase', []))).code).toBe('BAD_USER_INPUT');
    const steps = (count: number) => Array.from({ length: count }, (_, i) => ({ key: `User:{shop}u${i}` }));
    expect((await gatewayError(() => store.withLocks('purchase', steps(33)))).message).toContain('1 to 32 steps; it got 33');
    expect((await store.withLocks('purchase', steps(32))).map((result) => result.applied)).toEqual(Array(32).fill(false));
  });

  it('lets go of the locks it took when it times out on a later one', async () => {
    const { lease } = await store.session().acquireLock('User:{shop}bob', 'transfer');
    const error = await gatewayError(() =>
      store.withLocks(
        'transfer',
        [
          { key: 'User:{shop}bob', update: { inc: { balance: 1 } } },
          { key: 'User:{shop}alice', update: { inc: { balance: -1 } } },
        ],
        { timeoutMs: 100 },
      ),
    );
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT', details: { key: 'User:{shop}bob', action: 'transfer' } });
    // User:alice sorts first, so it was taken before User:bob timed out, and let go after.
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'transfer'))).toBe(0);
    await store.session().releaseLock(lease.token);
  });

  it('never deadlocks two clients taking the same keys in opposite orders, and loses no update (2 x 25 transfers)', async () => {
    const left = createStore({ redis: redis.connect(), models: shopModels });
    const right = createStore({ redis: redis.connect(), models: shopModels });
    const transfer = (from: string, to: string) => [
      { key: from, when: { balance: { gte: 1 } }, update: { inc: { balance: -1 } } },
      { key: to, update: { inc: { balance: 1 } } },
    ];
    const run = async (client: Store, from: string, to: string) => {
      const applied: boolean[] = [];
      for (let i = 0; i < 25; i++) {
        // Ten seconds is generous (each call holds its locks for a few ms); a deadlock would end in LOCK_TIMEOUT.
        const results = await client.withLocks('transfer', transfer(from, to), { timeoutMs: 10_000 });
        applied.push(results.every((result) => result.applied));
      }
      return applied;
    };
    const [aliceToBob, bobToAlice] = await Promise.all([
      run(left, 'User:{shop}alice', 'User:{shop}bob'),
      run(right, 'User:{shop}bob', 'User:{shop}alice'),
    ]);
    expect([...aliceToBob, ...bobToAlice].every(Boolean)).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
    expect(await stored('User:{shop}bob')).toMatchObject({ balance: 100 });
  });
});

describe('lock sessions (acquireLock, extendLock, releaseLock)', () => {
  it('grants the lock with the model, holds it against others, and saves an update on release', async () => {
    const session = store.session();
    const { lease, model } = await session.acquireLock('User:{shop}alice', 'buy', { leaseMs: 5_000 });
    expect(field(model, 'balance')).toBe(100);
    expect(lease).toMatchObject({ key: 'User:{shop}alice', action: 'buy' });
    expect(await redis.client.pttl(lockKey('User:{shop}alice', 'buy'))).toBeGreaterThan(0);
    expect((await gatewayError(() => store.session().acquireLock('User:{shop}alice', 'buy', { timeoutMs: 0 }))).code).toBe('LOCK_TIMEOUT');

    const result = await session.releaseLock(lease.token, { update: { inc: { balance: -10 } } });
    expect(result).toMatchObject({ key: 'User:{shop}alice', applied: true, fencingToken: lease.fencingToken });
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });

  it('grants the lock on a missing key with model null; an update on release then saves nothing', async () => {
    const { lease, model } = await store.session().acquireLock('User:{shop}nobody', 'create');
    expect(model).toBeNull();
    const result = await store.session().releaseLock(lease.token, { update: { set: { name: 'Nobody' } } });
    expect(result).toMatchObject({ applied: false, model: null });
    expect(await redis.exists('User:{shop}nobody', lockKey('User:{shop}nobody', 'create'))).toBe(0);
  });

  it('extends a held lock to a later expiresAt, keeping its token and fencing token', async () => {
    const session = store.session();
    const { lease } = await session.acquireLock('User:{shop}alice', 'buy', { leaseMs: 1_000 });
    const extended = await session.extendLock(lease.token, 60_000);
    expect(extended.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime());
    expect(extended).toMatchObject({ token: lease.token, fencingToken: lease.fencingToken });
    expect(await redis.client.pttl(lockKey('User:{shop}alice', 'buy'))).toBeGreaterThan(1_000);
    await session.releaseLock(lease.token);
  });

  it('answers LOCK_LOST to a release or extension with a token that was released, or that is none', async () => {
    const session = store.session();
    const { lease } = await session.acquireLock('User:{shop}alice', 'buy');
    await session.releaseLock(lease.token);
    const before = await redis.client.get('User:{shop}alice');
    expect((await gatewayError(() => session.releaseLock(lease.token))).code).toBe('LOCK_LOST');
    expect((await gatewayError(() => session.releaseLock(lease.token, { update: { inc: { balance: -10 } } }))).code).toBe('LOCK_LOST');
    expect((await gatewayError(() => session.extendLock(lease.token, 1_000))).code).toBe('LOCK_LOST');
    for (const token of ['', 'not-a-token', Buffer.from('[1,2]').toString('base64url')]) {
      expect((await gatewayError(() => session.releaseLock(token))).code, token).toBe('LOCK_LOST');
    }
    expect(await redis.client.get('User:{shop}alice')).toBe(before);
  });

  it('gives every acquisition a larger fencing token than the one before', async () => {
    // On a cluster tokens grow per slot (docs/locks.md): these keys share one.
    const session = store.session();
    const tokens: bigint[] = [];
    for (const [key, action] of [
      ['User:{shop}alice', 'a'],
      ['User:{shop}alice', 'b'],
      ['User:{shop}bob', 'a'],
      ['User:{shop}alice', 'a'],
    ] as const) {
      const { lease } = await session.acquireLock(key, action);
      tokens.push(BigInt(lease.fencingToken));
      await session.releaseLock(lease.token);
    }
    tokens.push(BigInt((await store.withLock('Product:{shop}book', 'a', () => undefined)).fencingToken ?? 0));
    expect(tokens).toEqual([...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('a holder that dies', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('keeps the lock until its lease runs out; then the next caller gets it, and the dead holder can neither release nor save', async () => {
    const key = 'User:{shop}alice';
    const lock = lockKey(key, 'pay');
    const holder = spawn(process.execPath, ['--import', 'tsx', CHILD, key, 'pay', '300'], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL: '', REDIS_CLUSTER_NODES: '', ...redis.cliEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = holder;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => holder.once('exit', (_code, signal) => resolve(signal)));
    let stderr = '';
    holder.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      holder.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      void exited.then(() => reject(new Error(`the holder exited before printing its token:\n${stderr}`)));
    });
    const dead = JSON.parse(line) as { token: string; fencingToken: string };

    holder.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Right after the death the lock is still there: nobody deleted it, and nobody may take it yet.
    expect(await redis.client.pttl(lock)).toBeGreaterThan(0);
    expect((await gatewayError(() => store.session().acquireLock(key, 'pay', { timeoutMs: 0 }))).code).toBe('LOCK_TIMEOUT');

    const next = store.session();
    const { lease } = await next.acquireLock(key, 'pay', { timeoutMs: 5_000 });
    expect(BigInt(lease.fencingToken)).toBeGreaterThan(BigInt(dead.fencingToken));

    const before = await redis.client.get(key);
    const late = store.session();
    expect((await gatewayError(() => late.releaseLock(dead.token))).code).toBe('LOCK_LOST');
    expect((await gatewayError(() => late.releaseLock(dead.token, { update: { inc: { balance: -100 } } }))).code).toBe('LOCK_LOST');
    expect((await gatewayError(() => late.extendLock(dead.token, 10_000))).code).toBe('LOCK_LOST');
    expect(await redis.client.get(key)).toBe(before);
    // The next holder still holds the lock, and saves.
    expect((await next.releaseLock(lease.token, { update: { inc: { balance: -10 } } })).applied).toBe(true);
    expect(await stored(key)).toMatchObject({ balance: 90 });
  });
});

describe('conditions', () => {
  const ann = () =>
    Profile.create(
      {
        name: 'Ann',
        score: null,
        rating: 2.5,
        active: true,
        joinedAt: new Date('2024-01-01T00:00:00Z'),
        level: 'HIGH',
        tags: [],
        prefs: {},
      },
      { pk: 'ann' },
    );
  /** Whether `when` holds for the stored model: a withLock without an update applies exactly when it does. */
  const holds = async (key: string, when: Condition) => (await store.session().withLock(key, 'check', { when })).applied;
  const check = async (key: string, cases: Array<[Condition, boolean]>) => {
    for (const [when, expected] of cases) expect(await holds(key, when), JSON.stringify(when)).toBe(expected);
  };

  beforeEach(async () => {
    await store.insert([ann()]);
  });

  it('compare a present value with eq, ne, gt, gte, lt, lte and in, every given operator holding', async () => {
    await check('User:{shop}alice', [
      [{ age: { eq: 30 } }, true],
      [{ age: { eq: 31 } }, false],
      [{ age: { ne: 31 } }, true],
      [{ age: { ne: 30 } }, false],
      [{ age: { gt: 29 } }, true],
      [{ age: { gt: 30 } }, false],
      [{ age: { gte: 30 } }, true],
      [{ age: { gte: 31 } }, false],
      [{ age: { lt: 31 } }, true],
      [{ age: { lt: 30 } }, false],
      [{ age: { lte: 30 } }, true],
      [{ age: { lte: 29 } }, false],
      [{ age: { in: [1, 30] } }, true],
      [{ age: { in: [1, 2] } }, false],
      [{ age: { in: [] } }, false],
      [{ age: { gt: 20, lt: 40 } }, true],
      [{ age: { gt: 20, lt: 25 } }, false],
      [{ age: { gte: 30 }, name: { eq: 'Alice' } }, true],
      [{ age: { gte: 30 }, name: { eq: 'Bob' } }, false],
      [{}, true],
    ]);
  });

  it('match a null or missing value only with eq: null and ne: <value>', async () => {
    for (const name of ['nickname', 'score']) {
      const value = name === 'score' ? 5 : 'x';
      await check('Profile:ann', [
        [{ [name]: { eq: null } }, true],
        [{ [name]: { ne: value } }, true],
        [{ [name]: { ne: null } }, false],
        [{ [name]: { eq: value } }, false],
        [{ [name]: { gt: value } }, false],
        [{ [name]: { gte: value } }, false],
        [{ [name]: { lt: value } }, false],
        [{ [name]: { lte: value } }, false],
        [{ [name]: { in: [value] } }, false],
      ]);
    }
  });

  it('match any present value with ne: null, and none with eq: null', async () => {
    await check('Profile:ann', [
      [{ name: { ne: null } }, true],
      [{ rating: { ne: null } }, true],
      [{ joinedAt: { ne: null } }, true],
      [{ name: { eq: null } }, false],
      [{ active: { eq: null } }, false],
    ]);
  });

  it('combine with and, or and not; not negates its whole condition, so it holds for a missing value', async () => {
    await check('User:{shop}alice', [
      [{ and: [{ age: { eq: 30 } }, { balance: { eq: 100 } }] }, true],
      [{ and: [{ age: { eq: 30 } }, { balance: { eq: 99 } }] }, false],
      [{ or: [{ age: { eq: 1 } }, { balance: { eq: 100 } }] }, true],
      [{ or: [{ age: { eq: 1 } }, { balance: { eq: 1 } }] }, false],
      [{ not: { age: { eq: 30 } } }, false],
      [{ not: { age: { eq: 31 } } }, true],
      [{ not: { or: [{ age: { eq: 1 } }, { and: [{ balance: { gt: 50 } }, { name: { eq: 'Alice' } }] }] } }, false],
      [{ age: { eq: 30 }, or: [{ name: { eq: 'Bob' } }] }, false],
    ]);
    await check('Profile:ann', [
      [{ not: { nickname: { eq: 'x' } } }, true],
      [{ not: { score: { gt: 5 } } }, true],
      [{ not: { nickname: { eq: null } } }, false],
    ]);
  });

  it('order strings by code point, not by UTF-16 code unit', async () => {
    // U+1F600 is above U+FF5A; as UTF-16 its first unit (0xD83D) is below 0xFF5A, so `<` would say the opposite.
    await store.insert([Profile.create({ name: '\u{1F600}', score: 1 }, { pk: 'emoji' })]);
    await check('Profile:emoji', [
      [{ name: { gt: '\uFF5A' } }, true],
      [{ name: { lt: '\uFF5A' } }, false],
      [{ name: { gt: 'z', lte: '\u{1F600}' } }, true],
    ]);
  });

  it('order dates by instant, booleans false before true, and enums by name', async () => {
    await check('Profile:ann', [
      [{ joinedAt: { eq: new Date('2024-01-01T00:00:00.000Z') } }, true],
      [{ joinedAt: { gt: new Date('2023-12-31T23:59:59.999Z'), lt: new Date('2024-01-01T00:00:00.001Z') } }, true],
      [{ joinedAt: { in: [new Date('2020-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z')] } }, true],
      [{ joinedAt: { lt: new Date('2024-01-01T00:00:00Z') } }, false],
      [{ active: { eq: true } }, true],
      [{ active: { gt: false } }, true],
      [{ active: { ne: true } }, false],
      [{ level: { eq: 'HIGH' } }, true],
      [{ level: { in: ['LOW'] } }, false],
      [{ level: { lt: 'LOW' } }, true],
      [{ rating: { gt: 2.4, lt: 2.6 } }, true],
    ]);
  });
});

describe('update operations', () => {
  beforeEach(async () => {
    await store.insert([
      Profile.create(
        {
          name: 'Ann',
          nickname: 'Annie',
          score: 3,
          rating: 2.5,
          tags: ['a', 'b', 'a', 'c'],
          prefs: { theme: 'dark', layout: { cols: 2, rows: 1 } },
        },
        { pk: 'ann' },
      ),
    ]);
  });
  const update = (changes: Update) => store.session().withLock('Profile:ann', 'edit', { update: changes });

  it('set gives fields new values; null makes a nullable field null and removes an optional one', async () => {
    expect((await update({ set: { name: 'Anna', score: null, nickname: null } })).applied).toBe(true);
    const value = await stored('Profile:ann');
    expect(value).toMatchObject({ name: 'Anna', score: null });
    expect(value).not.toHaveProperty('nickname');
  });

  it('inc adds to numeric fields, and refuses a null one with BAD_USER_INPUT', async () => {
    await update({ inc: { score: -5, rating: 0.25 } });
    expect(await stored('Profile:ann')).toMatchObject({ score: -2, rating: 2.75 });
    await update({ set: { score: null } });
    expect((await gatewayError(() => update({ inc: { score: 1 } }))).code).toBe('BAD_USER_INPUT');
  });

  it('append adds items at the end of a list', async () => {
    await update({ append: { tags: ['d', 'a'] } });
    expect(await stored('Profile:ann')).toMatchObject({ tags: ['a', 'b', 'a', 'c', 'd', 'a'] });
  });

  it('remove takes every occurrence of each item out of a list', async () => {
    await update({ remove: { tags: ['a', 'missing'] } });
    expect(await stored('Profile:ann')).toMatchObject({ tags: ['b', 'c'] });
  });

  it('merge adds and replaces record entries, shallowly', async () => {
    await update({ merge: { prefs: { lang: 'en', layout: { rows: 3 } } } });
    expect((await stored('Profile:ann'))?.prefs).toEqual({ theme: 'dark', lang: 'en', layout: { rows: 3 } });
  });

  it('unset deletes record keys, ignoring keys that are not there', async () => {
    await update({ unset: { prefs: ['theme', 'missing'] } });
    expect((await stored('Profile:ann'))?.prefs).toEqual({ layout: { cols: 2, rows: 1 } });
  });

  it('apply in the order set, inc, append, remove, merge, unset', async () => {
    await update({
      unset: { prefs: ['x'] },
      merge: { prefs: { x: 1 } },
      remove: { tags: ['z'] },
      append: { tags: ['z', 'y'] },
      inc: { score: 10 },
      set: { score: 1, tags: ['q'] },
    });
    const value = await stored('Profile:ann');
    expect(value).toMatchObject({ score: 11, tags: ['q', 'y'] });
    expect(value?.prefs).toEqual({ theme: 'dark', layout: { cols: 2, rows: 1 } });
  });

  it('refuses an operation on a field that has no such kind, or no such field, with BAD_USER_INPUT, writing nothing', async () => {
    const before = await redis.client.get('Profile:ann');
    for (const changes of [{ inc: { name: 1 } }, { append: { prefs: ['x'] } }, { merge: { tags: { a: 1 } } }, { set: { nope: 1 } }]) {
      expect((await gatewayError(() => update(changes))).code, JSON.stringify(changes)).toBe('BAD_USER_INPUT');
    }
    expect(await redis.client.get('Profile:ann')).toBe(before);
  });
});

describe('bad input', () => {
  it('refuses an action that does not match ^[A-Za-z0-9_.-]{1,64}$ with BAD_USER_INPUT, and accepts one that does', async () => {
    for (const action of ['', 'has space', 'a:b', 'x'.repeat(65), 'ü']) {
      const error = await gatewayError(() => store.session().withLock('User:{shop}alice', action, { update: { inc: { balance: -1 } } }));
      expect(error.code, action).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(`"${action}"`);
    }
    for (const action of ['x'.repeat(64), 'A-z_0.9']) {
      expect((await store.session().withLock('User:{shop}alice', action, { update: { inc: { balance: -1 } } })).applied, action).toBe(true);
    }
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 98 });
  });

  it('refuses leaseMs outside 100..600000 and timeoutMs outside 0..60000 with BAD_USER_INPUT, stating the range', async () => {
    const cases = [{ leaseMs: 99 }, { leaseMs: 600_001 }, { leaseMs: 1.5e3 + 0.5 }, { timeoutMs: -1 }, { timeoutMs: 60_001 }];
    for (const options of cases) {
      const error = await gatewayError(() =>
        store.session().withLock('User:{shop}alice', 'buy', { ...options, update: { inc: { balance: -1 } } }),
      );
      expect(error.code, JSON.stringify(options)).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/^(leaseMs|timeoutMs) is [-\d.]+; it must be a whole number of milliseconds from \d+ to \d+\.$/);
      expect((await gatewayError(() => store.session().acquireLock('User:{shop}alice', 'buy', options))).code).toBe('BAD_USER_INPUT');
      expect((await gatewayError(() => store.withLocks('buy', [{ key: 'User:{shop}alice' }], options))).code).toBe('BAD_USER_INPUT');
    }
    const { lease } = await store.session().acquireLock('User:{shop}alice', 'buy');
    expect((await gatewayError(() => store.session().extendLock(lease.token, 99))).code).toBe('BAD_USER_INPUT');
    await store.session().releaseLock(lease.token);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
  });

  it('refuses a key naming no registered model with MODEL_NOT_FOUND, and a malformed key with INVALID_KEY', async () => {
    expect((await gatewayError(() => store.withLock('Ghost:1', 'buy', () => undefined))).code).toBe('MODEL_NOT_FOUND');
    expect((await gatewayError(() => store.session().acquireLock('Ghost:1'))).code).toBe('MODEL_NOT_FOUND');
    for (const key of ['no-colon', 'User:', ':alice']) {
      expect((await gatewayError(() => store.session().withLock(key, 'buy')))?.code, key).toBe('INVALID_KEY');
      expect((await gatewayError(() => store.withLocks('buy', [{ key: 'User:{shop}alice' }, { key }])))?.code, key).toBe('INVALID_KEY');
    }
    expect(await redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });
});
