import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels, Order, Product, User } from '../examples/shop.js';
import type { Cluster, Redis } from 'ioredis';
import { createGateway, defineModel, type ErrorCode, type Gateway } from '../src/index.js';
import {
  AcquireLockDocument,
  ExtendLockDocument,
  ReleaseLockDocument,
  WithLockDocument,
  WithLocksDocument,
  type LockResultFieldsFragment,
  type LockStep,
  type ModelCondition,
  type ModelUpdate,
} from './generated/graphql.js';
import { describeCommand } from './helpers/command-counter.js';
import { errorCodes, openTestGateway, type GraphQLErrorBody, type Response, type TestGateway } from './helpers/test-gateway.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { uncontendedLockCommands } from './helpers/lock-commands.js';

/*
 * Locks as a GraphQL client sees them: withLock, withLocks, acquireLock, extendLock, releaseLock, over
 * yoga.fetch and a real Redis. No test waits for the clock: where a lease must run out, the test waits
 * for the next caller to be granted the lock.
 *
 * The shop's documents share a hash tag, {shop}: on a cluster, locks over several documents (withLocks)
 * and writes of several documents must keep to one slot (CROSS_SLOT otherwise, see cross-slot.test.ts).
 */

/** Optional and nullable fields, a list and a record: for conditions on missing values and update operations. */
const Profile = defineModel(
  'Profile',
  z.object({
    name: z.string(),
    nickname: z.string().optional(),
    score: z.int32().nullable(),
    tags: z.array(z.string()).default([]),
    prefs: z.record(z.string(), z.unknown()).default({}),
  }),
);
/** A model keyed by one of its fields, which no lock update may change. */
const Item = defineModel('Item', z.object({ sku: z.string().min(1), title: z.string() }), { key: 'sku' });
const models = [...shopModels, Profile, Item];

/** The typed documents know the demo schema only; the test models' fields are read through this one. */
const CUSTOM_WITH_LOCK = /* GraphQL */ `
  mutation CustomWithLock($key: ID!, $when: ModelCondition, $update: ModelUpdate, $saveAtEnd: Boolean) {
    withLock(key: $key, action: "edit", when: $when, update: $update, saveAtEnd: $saveAtEnd) {
      applied
      model {
        key
        ... on Profile {
          name
          nickname
          score
          tags
          prefs
        }
        ... on Item {
          sku
          title
        }
      }
    }
  }
`;
interface CustomResult {
  withLock: { applied: boolean; model: Record<string, unknown> | null };
}
interface CustomVariables {
  key: string;
  when?: Record<string, unknown>;
  update?: Record<string, unknown>;
  saveAtEnd?: boolean;
}

let t: TestGateway;

beforeAll(async () => {
  t = await openTestGateway({ models });
});
afterAll(() => t.close());

beforeEach(async () => {
  await t.redis.flush();
  await t.gateway.store.insert([
    User.create({ name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 }, { pk: '{shop}alice' }),
    User.create({ name: 'Bob', age: 40, email: 'bob@example.com', balance: 100 }, { pk: '{shop}bob' }),
    Product.create({ name: 'Book', price: 10, stock: 3, tags: ['paper'] }, { pk: '{shop}book' }),
    Order.create(
      { userId: 'User:{shop}alice', productId: 'Product:{shop}book', quantity: 2, placedAt: new Date('2024-05-01T10:00:00Z') },
      { pk: '{shop}o1' },
    ),
  ]);
  // In a slot of its own on a cluster: its key is its sku.
  await t.gateway.store.insert([Item.create({ sku: 'A-1', title: 'Anvil' })]);
});

const customWithLock = (variables: CustomVariables) => t.execute<CustomResult, CustomVariables>(CUSTOM_WITH_LOCK, variables);
const balance = (amount: number): ModelUpdate => ({ user: { inc: { balance: amount } } });
const lockKey = (key: string, action: string) => keyspaceFor(t.redis.client).lockKey(key, action);

/** A field of a result's model, whatever its type. */
const field = (result: LockResultFieldsFragment | undefined, name: string) =>
  (result?.model as Record<string, unknown> | null | undefined)?.[name];

/** The document as Redis holds it, decoded by hand. */
async function stored(key: string): Promise<Record<string, unknown> | null> {
  const text = await t.redis.client.get(key);
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

/**
 * Every key of the database (documents, indexes, locks) and its content, the lock bookkeeping aside
 * (the fencing counter, and the record of each acquisition, which expires within a minute): "nothing
 * written" compares two of these.
 */
async function dump(): Promise<Array<[string, string | null]>> {
  const { client } = t.redis;
  const keys = await t.redis.keys();
  const contentOf = async (key: string): Promise<string | null> => {
    const type = await client.type(key);
    if (type === 'string') return client.get(key);
    if (type === 'zset') return JSON.stringify(await client.zrange(key, '0', '-1', 'WITHSCORES'));
    if (type === 'set') return JSON.stringify((await client.smembers(key)).sort());
    if (type === 'hash') return JSON.stringify(await client.hgetall(key));
    return `(${type})`;
  };
  const kept = keys.filter((key) => !key.startsWith('rmg:fence') && !key.startsWith('rmg:wrote:'));
  return Promise.all(kept.map(async (key): Promise<[string, string | null]> => [key, await contentOf(key)]));
}

describe('withLock', () => {
  it('applies the update under the lock and answers the saved model with a fencing token', async () => {
    const { data, errors } = await t.execute(WithLockDocument, {
      key: 'User:{shop}alice',
      action: 'buy',
      when: { user: { balance: { gte: 10 } } },
      update: balance(-10),
    });
    expect(errors).toBeUndefined();
    expect(data?.withLock).toMatchObject({
      key: 'User:{shop}alice',
      applied: true,
      model: { __typename: 'User', key: 'User:{shop}alice', balance: 90 },
    });
    expect(data?.withLock.fencingToken).toMatch(/^\d+$/);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await t.redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });

  it('of 50 concurrent purchases on a balance of 100, applies exactly 10, and the balance ends at 0, never below', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.execute(WithLockDocument, {
          key: 'User:{shop}alice',
          action: 'buy',
          when: { user: { balance: { gte: 10 } } },
          update: balance(-10),
          timeoutMs: 60_000,
        }),
      ),
    );
    // A balance below 0 would have been refused with VALIDATION_FAILED: no response has an error.
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const results = responses.map((response) => response.data?.withLock);
    const applied = results.filter((result) => result?.applied);
    expect(applied).toHaveLength(10);
    // Each purchase saw the one before it: the balances saved are 90, 80, ..., 0, each once.
    expect(applied.map((result) => Number(field(result, 'balance'))).sort((a, b) => b - a)).toEqual([
      90, 80, 70, 60, 50, 40, 30, 20, 10, 0,
    ]);
    expect(results.filter((result) => !result?.applied).map((result) => field(result, 'balance'))).toEqual(Array(40).fill(0));
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 0 });
  });

  it('answers model null and applied false for a missing key, writing nothing', async () => {
    const before = await dump();
    const { data, errors } = await t.execute(WithLockDocument, { key: 'User:{shop}nobody', update: balance(10) });
    expect(errors).toBeUndefined();
    expect(data?.withLock).toMatchObject({ key: 'User:{shop}nobody', applied: false, model: null });
    expect(await dump()).toEqual(before);
  });

  it('writes nothing when `when` is false, and answers the model as it stands', async () => {
    const before = await dump();
    const { data } = await t.execute(WithLockDocument, {
      key: 'User:{shop}alice',
      when: { user: { balance: { gte: 1000 } } },
      update: balance(-1000),
    });
    expect(data?.withLock).toMatchObject({ applied: false, model: { balance: 100 } });
    expect(await dump()).toEqual(before);
  });

  it('with saveAtEnd false answers the updated model without saving it (a dry run, applied false)', async () => {
    const before = await dump();
    const { data } = await t.execute(WithLockDocument, { key: 'User:{shop}alice', update: balance(-10), saveAtEnd: false });
    expect(data?.withLock).toMatchObject({ applied: false, model: { balance: 90 } });
    expect(await dump()).toEqual(before);
  });

  it('resets the TTL of a model that has one when it saves, as every write does', async () => {
    await t.redis.client.expire('Order:{shop}o1', 100);
    const { data } = await t.execute(WithLockDocument, {
      key: 'Order:{shop}o1',
      action: 'ship',
      update: { order: { set: { status: 'SHIPPED' } } },
    });
    expect(data?.withLock).toMatchObject({ applied: true, model: { status: 'SHIPPED' } });
    expect(await t.redis.client.ttl('Order:{shop}o1')).toBeGreaterThan(100);
  });

  it('lets holders of different actions on one key keep every change: 30 increments of age under "a", 30 of balance under "b"', async () => {
    const run = (action: string, update: ModelUpdate) =>
      Promise.all(
        Array.from({ length: 30 }, () => t.execute(WithLockDocument, { key: 'User:{shop}alice', action, update, timeoutMs: 60_000 })),
      );
    const responses = (await Promise.all([run('a', { user: { inc: { age: 1 } } }), run('b', balance(1))])).flat();
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    expect(responses.every((response) => response.data?.withLock.applied)).toBe(true);
    expect(await stored('User:{shop}alice')).toMatchObject({ age: 60, balance: 130 });
  });

  it('makes a caller of a held (key, action) wait for it, and then applies its update to what the holder saved', async () => {
    const holder = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy' });
    const token = holder.data?.acquireLock.token ?? '';
    const waiter = t.execute(WithLockDocument, {
      key: 'User:{shop}alice',
      action: 'buy',
      when: { user: { balance: { gte: 50 } } },
      update: balance(-50),
      timeoutMs: 30_000,
    });
    const otherAction = await t.execute(WithLockDocument, {
      key: 'User:{shop}alice',
      action: 'rename',
      update: { user: { set: { name: 'Alicia' } } },
    });
    expect(otherAction.data?.withLock.applied).toBe(true);

    await t.execute(ReleaseLockDocument, { token, update: balance(-60) });
    const waited = await waiter;
    // The waiter's condition was checked after the holder's save: 40 is below 50.
    expect(waited.data?.withLock).toMatchObject({ applied: false, model: { balance: 40, name: 'Alicia' } });
  });

  it('answers LOCK_TIMEOUT to a caller that waited timeoutMs, with the key, action and timeout in extensions', async () => {
    const holder = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy' });
    const before = await dump();
    const { data, errors } = await t.execute(WithLockDocument, {
      key: 'User:{shop}alice',
      action: 'buy',
      update: balance(-10),
      timeoutMs: 200,
    });
    expect(data).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'withLock', code: 'LOCK_TIMEOUT' }]);
    expect(errors?.[0]?.extensions).toMatchObject({ key: 'User:{shop}alice', action: 'buy', timeoutMs: 200 });
    expect(errors?.[0]?.message).toContain('within 200 ms');
    expect(await dump()).toEqual(before);
    await t.execute(ReleaseLockDocument, { token: holder.data?.acquireLock.token ?? '' });
  });

  it('takes four Redis commands when uncontended: acquire, MGET, save, release', async () => {
    await t.execute(WithLockDocument, { key: 'User:{shop}bob', action: 'buy', update: balance(-1) }); // loads the scripts into Redis
    const { result, commands } = await t.redis.countCommands(() =>
      t.execute(WithLockDocument, {
        key: 'User:{shop}alice',
        action: 'buy',
        when: { user: { balance: { gte: 10 } } },
        update: balance(-10),
      }),
    );
    expect(result.data?.withLock.applied).toBe(true);
    expect(commands.map(describeCommand)).toEqual(
      uncontendedLockCommands(t.redis.client, 'User:{shop}alice', 'buy', 'User', ['name', 'age']),
    );
    // All of them to the one node that serves the document's slot.
    expect(new Set(commands.map((command) => command.node)).size).toBe(1);
  });
});

describe('withLocks', () => {
  const purchase = (price: number): LockStep[] => [
    { key: 'User:{shop}alice', when: { user: { balance: { gte: price } } }, update: balance(-price) },
    { key: 'Product:{shop}book', when: { product: { stock: { gte: 1 } } }, update: { product: { inc: { stock: -1 } } } },
  ];

  it('buys across models in one call: locks the user and the product, checks balance and stock, changes both', async () => {
    const { data, errors } = await t.execute(WithLocksDocument, { action: 'purchase', steps: purchase(10) });
    expect(errors).toBeUndefined();
    expect(data?.withLocks).toMatchObject([
      { key: 'User:{shop}alice', applied: true, model: { balance: 90 } },
      { key: 'Product:{shop}book', applied: true, model: { stock: 2 } },
    ]);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await stored('Product:{shop}book')).toMatchObject({ stock: 2 });
  });

  it('applies nothing anywhere when one condition is false, and answers every model as it stands', async () => {
    await t.redis.client.set('Product:{shop}book', JSON.stringify({ name: 'Book', price: 10, inStock: true, stock: 0, tags: [] }));
    const before = await dump();
    const { data } = await t.execute(WithLocksDocument, { action: 'purchase', steps: purchase(10) });
    expect(data?.withLocks).toMatchObject([
      { applied: false, model: { balance: 100 } },
      { applied: false, model: { stock: 0 } },
    ]);
    expect(await dump()).toEqual(before);
  });

  it('applies nothing anywhere when one key is missing', async () => {
    const before = await dump();
    const { data } = await t.execute(WithLocksDocument, {
      action: 'purchase',
      steps: [...purchase(10), { key: 'User:{shop}nobody', update: balance(1) }],
    });
    expect(data?.withLocks.map((result) => [result.key, result.applied, result.model === null])).toEqual([
      ['User:{shop}alice', false, false],
      ['Product:{shop}book', false, false],
      ['User:{shop}nobody', false, true],
    ]);
    expect(await dump()).toEqual(before);
  });

  it('never deadlocks two gateways taking the same keys in opposite orders, and loses no update (2 x 25 transfers)', async () => {
    const other = createGateway({ models, redis: t.redis.connect(), logging: false });
    const transfer = (from: string, to: string): LockStep[] => [
      { key: from, when: { user: { balance: { gte: 1 } } }, update: balance(-1) },
      { key: to, update: balance(1) },
    ];
    const run = async (gateway: Gateway<Redis | Cluster>, from: string, to: string) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 25; i++) {
        // Ten seconds is generous (each call holds its locks for a few ms); a deadlock would end in LOCK_TIMEOUT.
        const { data, errors } = await executeOn(gateway, WithLocksDocument, {
          action: 'transfer',
          steps: transfer(from, to),
          timeoutMs: 10_000,
        });
        outcomes.push(
          errors ? `error ${errors[0]?.extensions?.code}` : data?.withLocks.every((result) => result.applied) ? 'applied' : 'refused',
        );
      }
      return outcomes;
    };
    const outcomes = await Promise.all([
      run(t.gateway, 'User:{shop}alice', 'User:{shop}bob'),
      run(other, 'User:{shop}bob', 'User:{shop}alice'),
    ]);
    expect(outcomes.flat()).toEqual(Array(50).fill('applied'));
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
    expect(await stored('User:{shop}bob')).toMatchObject({ balance: 100 });
    await other.close();
  });
});

/** Posts an operation to another gateway's Yoga app, as TestGateway.execute does for its own. */
async function executeOn<TData, TVariables>(
  gateway: Gateway<Redis | Cluster>,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
) {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as { data?: TData | null; errors?: GraphQLErrorBody[] };
}

describe('lock sessions: acquireLock, extendLock, releaseLock', () => {
  it('grants the lock with an opaque token and the model, holds it, extends it, and saves an update on release', async () => {
    const acquired = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy', leaseMs: 1_000 });
    expect(acquired.errors).toBeUndefined();
    const lease = acquired.data?.acquireLock;
    expect(lease).toMatchObject({ key: 'User:{shop}alice', action: 'buy', model: { __typename: 'User', balance: 100 } });
    expect(lease?.fencingToken).toMatch(/^\d+$/);
    const token = lease?.token ?? '';

    const meanwhile = await t.execute(WithLockDocument, { key: 'User:{shop}alice', action: 'buy', update: balance(-1), timeoutMs: 0 });
    expect(errorCodes(meanwhile.errors)).toEqual([{ path: 'withLock', code: 'LOCK_TIMEOUT' }]);

    const extended = await t.execute(ExtendLockDocument, { token, leaseMs: 60_000 });
    expect(extended.errors).toBeUndefined();
    expect(extended.data?.extendLock).toMatchObject({
      token,
      key: 'User:{shop}alice',
      action: 'buy',
      fencingToken: lease?.fencingToken,
      model: null,
    });
    expect(Date.parse(extended.data?.extendLock.expiresAt ?? '')).toBeGreaterThan(Date.parse(lease?.expiresAt ?? ''));
    expect(await t.redis.client.pttl(lockKey('User:{shop}alice', 'buy'))).toBeGreaterThan(1_000);

    const released = await t.execute(ReleaseLockDocument, { token, update: balance(-10) });
    expect(released.errors).toBeUndefined();
    expect(released.data?.releaseLock).toMatchObject({
      key: 'User:{shop}alice',
      applied: true,
      fencingToken: lease?.fencingToken,
      model: { balance: 90 },
    });
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 90 });
    expect(await t.redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);

    const again = await t.execute(ReleaseLockDocument, { token });
    expect(errorCodes(again.errors)).toEqual([{ path: 'releaseLock', code: 'LOCK_LOST' }]);
  });

  it('grants the lock on a missing key with model null', async () => {
    const { data, errors } = await t.execute(AcquireLockDocument, { key: 'User:{shop}nobody', action: 'create' });
    expect(errors).toBeUndefined();
    expect(data?.acquireLock).toMatchObject({ key: 'User:{shop}nobody', model: null });
    const released = await t.execute(ReleaseLockDocument, { token: data?.acquireLock.token ?? '', update: balance(1) });
    expect(released.data?.releaseLock).toMatchObject({ applied: false, model: null });
    expect(await t.redis.exists('User:{shop}nobody', lockKey('User:{shop}nobody', 'create'))).toBe(0);
  });

  it('with saveAtEnd false lets the lock go without saving the update', async () => {
    const { data } = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy' });
    const released = await t.execute(ReleaseLockDocument, { token: data?.acquireLock.token ?? '', update: balance(-10), saveAtEnd: false });
    expect(released.data?.releaseLock.applied).toBe(false);
    expect(await stored('User:{shop}alice')).toMatchObject({ balance: 100 });
    expect(await t.redis.client.exists(lockKey('User:{shop}alice', 'buy'))).toBe(0);
  });

  it('answers LOCK_LOST to the holder of a lease that ran out, writing nothing, and leaves the next holder its lock', async () => {
    const first = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy', leaseMs: 300 });
    const firstLease = first.data?.acquireLock;
    // Granted only once the first lease has run out: nobody released it.
    const second = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy', timeoutMs: 10_000 });
    expect(second.errors).toBeUndefined();
    expect(BigInt(second.data?.acquireLock.fencingToken ?? 0)).toBeGreaterThan(BigInt(firstLease?.fencingToken ?? 0));

    const before = await dump();
    const lateSave = await t.execute(ReleaseLockDocument, { token: firstLease?.token ?? '', update: balance(-100) });
    expect(errorCodes(lateSave.errors)).toEqual([{ path: 'releaseLock', code: 'LOCK_LOST' }]);
    expect(lateSave.errors?.[0]?.extensions).toMatchObject({ key: 'User:{shop}alice', action: 'buy' });
    expect(errorCodes((await t.execute(ReleaseLockDocument, { token: firstLease?.token ?? '' })).errors)).toEqual([
      { path: 'releaseLock', code: 'LOCK_LOST' },
    ]);
    expect(errorCodes((await t.execute(ExtendLockDocument, { token: firstLease?.token ?? '', leaseMs: 60_000 })).errors)).toEqual([
      { path: 'extendLock', code: 'LOCK_LOST' },
    ]);
    expect(await dump()).toEqual(before);

    const released = await t.execute(ReleaseLockDocument, { token: second.data?.acquireLock.token ?? '', update: balance(-10) });
    expect(released.data?.releaseLock).toMatchObject({ applied: true, model: { balance: 90 } });
  });

  it('refuses an extension outside 100..600000 ms with BAD_USER_INPUT, and the lease stays held', async () => {
    const { data } = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy' });
    const token = data?.acquireLock.token ?? '';
    for (const leaseMs of [99, 600_001]) {
      const { errors } = await t.execute(ExtendLockDocument, { token, leaseMs });
      expect(errorCodes(errors), String(leaseMs)).toEqual([{ path: 'extendLock', code: 'BAD_USER_INPUT' }]);
    }
    expect((await t.execute(ReleaseLockDocument, { token })).errors).toBeUndefined();
  });

  it('releaseLock with an update it cannot save writes nothing and still lets the lock go', async () => {
    const refused: Array<[ModelUpdate, ErrorCode]> = [
      [balance(-101), 'VALIDATION_FAILED'],
      [{ product: { inc: { stock: 1 } } }, 'WRONG_MODEL'],
    ];
    for (const [update, code] of refused) {
      const { data } = await t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'buy' });
      const before = await t.redis.client.get('User:{shop}alice');
      const released = await t.execute(ReleaseLockDocument, { token: data?.acquireLock.token ?? '', update });
      expect(errorCodes(released.errors)).toEqual([{ path: 'releaseLock', code }]);
      expect(await t.redis.client.get('User:{shop}alice')).toBe(before);
      // The lock is released always, as withLock releases it on every error.
      expect(await t.redis.client.exists(lockKey('User:{shop}alice', 'buy')), code).toBe(0);
    }
  });

  it('gives every acquisition a larger fencing token than the one before', async () => {
    // On a cluster tokens grow per slot (docs/locks.md): these keys share one.
    const tokens: bigint[] = [];
    for (const [key, action] of [
      ['User:{shop}alice', 'a'],
      ['User:{shop}alice', 'b'],
      ['Product:{shop}book', 'a'],
    ] as const) {
      const { data } = await t.execute(AcquireLockDocument, { key, action });
      tokens.push(BigInt(data?.acquireLock.fencingToken ?? 0));
      await t.execute(ReleaseLockDocument, { token: data?.acquireLock.token ?? '' });
    }
    const { data } = await t.execute(WithLocksDocument, { action: 'a', steps: [{ key: 'User:{shop}bob' }, { key: 'User:{shop}alice' }] });
    tokens.push(...(data?.withLocks ?? []).map((result) => BigInt(result.fencingToken ?? 0)).sort((a, b) => (a < b ? -1 : 1)));
    for (let i = 1; i < tokens.length; i++) expect((tokens[i] ?? 0n) > (tokens[i - 1] ?? 0n), `token ${i}`).toBe(true);
  });
});

describe('conditions', () => {
  const holds = async (key: string, when: ModelCondition) => {
    const { data, errors } = await t.execute(WithLockDocument, { key, action: 'check', when });
    expect(errors).toBeUndefined();
    return data?.withLock.applied;
  };
  const check = async (cases: Array<[string, ModelCondition, boolean]>) => {
    for (const [key, when, expected] of cases) expect(await holds(key, when), `${key} ${JSON.stringify(when)}`).toBe(expected);
  };
  const customHolds = async (key: string, when: Record<string, unknown>) => {
    const { data, errors } = await customWithLock({ key, when });
    expect(errors).toBeUndefined();
    return data?.withLock.applied;
  };

  it('compare with eq, ne, gt, gte, lt, lte and in on Int, SafeInt, Float and String fields, every given operator holding', async () => {
    await check([
      ['User:{shop}alice', { user: { age: { eq: 30 } } }, true],
      ['User:{shop}alice', { user: { age: { ne: 30 } } }, false],
      ['User:{shop}alice', { user: { age: { gt: 29, lt: 31 } } }, true],
      ['User:{shop}alice', { user: { age: { gte: 31 } } }, false],
      ['User:{shop}alice', { user: { age: { lte: 30 }, balance: { in: [1, 100] } } }, true],
      ['User:{shop}alice', { user: { balance: { in: [1, 2] } } }, false],
      ['User:{shop}alice', { user: { balance: { gte: 100, lt: 100 } } }, false],
      ['Product:{shop}book', { product: { price: { gt: 9.5, lte: 10 } } }, true],
      ['Product:{shop}book', { product: { price: { lt: 10 } } }, false],
      ['User:{shop}alice', { user: { name: { gt: 'Al', lt: 'Alz' } } }, true],
      ['User:{shop}alice', { user: { name: { in: ['Bob', 'Alice'] }, email: { ne: 'bob@example.com' } } }, true],
      ['User:{shop}alice', { user: { name: { eq: 'alice' } } }, false],
    ]);
  });

  it('compare Boolean, enum and DateTime fields; dates by instant', async () => {
    await check([
      ['Product:{shop}book', { product: { inStock: { eq: true } } }, true],
      ['Product:{shop}book', { product: { inStock: { ne: true } } }, false],
      ['Order:{shop}o1', { order: { status: { eq: 'PENDING' } } }, true],
      ['Order:{shop}o1', { order: { status: { in: ['PAID', 'SHIPPED'] } } }, false],
      ['Order:{shop}o1', { order: { status: { ne: 'PAID' } } }, true],
      ['Order:{shop}o1', { order: { placedAt: { eq: '2024-05-01T12:00:00+02:00' } } }, true],
      ['Order:{shop}o1', { order: { placedAt: { gt: '2024-05-01T09:59:59.999Z', lt: '2024-05-01T10:00:00.001Z' } } }, true],
      ['Order:{shop}o1', { order: { placedAt: { gt: '2024-05-01T10:00:00Z' } } }, false],
    ]);
  });

  it('combine with and, or and not', async () => {
    await check([
      ['User:{shop}alice', { user: { and: [{ age: { eq: 30 } }, { balance: { eq: 100 } }] } }, true],
      ['User:{shop}alice', { user: { and: [{ age: { eq: 30 } }, { balance: { eq: 99 } }] } }, false],
      ['User:{shop}alice', { user: { or: [{ age: { eq: 1 } }, { balance: { eq: 100 } }] } }, true],
      ['User:{shop}alice', { user: { or: [{ age: { eq: 1 } }, { balance: { eq: 1 } }] } }, false],
      ['User:{shop}alice', { user: { not: { age: { eq: 30 } } } }, false],
      ['User:{shop}alice', { user: { not: { or: [{ age: { eq: 1 } }, { name: { eq: 'Bob' } }] } } }, true],
      ['User:{shop}alice', { user: { age: { eq: 30 }, not: { balance: { lt: 50 } }, or: [{ name: { eq: 'Bob' } }] } }, false],
    ]);
  });

  it('match a null or missing value only with eq: null and ne: <value>; ne: null matches present values', async () => {
    await t.gateway.store.insert([Profile.create({ name: 'Ann', score: null }, { pk: 'ann' })]);
    const cases: Array<[Record<string, unknown>, boolean]> = [];
    for (const [name, value] of [
      ['nickname', 'x'],
      ['score', 5],
    ] as const) {
      cases.push(
        [{ [name]: { eq: null } }, true],
        [{ [name]: { ne: value } }, true],
        [{ [name]: { ne: null } }, false],
        [{ [name]: { eq: value } }, false],
        [{ [name]: { gt: value } }, false],
        [{ [name]: { gte: value } }, false],
        [{ [name]: { lt: value } }, false],
        [{ [name]: { lte: value } }, false],
        [{ [name]: { in: [value] } }, false],
        [{ not: { [name]: { gt: value } } }, true],
      );
    }
    cases.push([{ name: { ne: null } }, true], [{ name: { eq: null } }, false]);
    for (const [when, expected] of cases) expect(await customHolds('Profile:ann', { profile: when }), JSON.stringify(when)).toBe(expected);
  });

  it('order strings by Unicode code point, not by UTF-16 code unit', async () => {
    await t.gateway.store.insert([Profile.create({ name: '\u{1F600}', score: 1 }, { pk: 'emoji' })]);
    // U+1F600 is above U+FF5A; its first UTF-16 unit (0xD83D) is below 0xFF5A.
    expect(await customHolds('Profile:emoji', { profile: { name: { gt: '\uFF5A' } } })).toBe(true);
    expect(await customHolds('Profile:emoji', { profile: { name: { lt: '\uFF5A' } } })).toBe(false);
  });
});

describe('update operations', () => {
  beforeEach(async () => {
    await t.gateway.store.insert([
      Profile.create(
        { name: 'Ann', nickname: 'Annie', score: 3, tags: ['a', 'b', 'a', 'c'], prefs: { theme: 'dark', layout: { cols: 2, rows: 1 } } },
        { pk: 'ann' },
      ),
    ]);
  });
  const edit = async (update: Record<string, unknown>) => {
    const { data, errors } = await customWithLock({ key: 'Profile:ann', update: { profile: update } });
    expect(errors).toBeUndefined();
    expect(data?.withLock.applied).toBe(true);
    return data?.withLock.model;
  };

  it('set gives new values; null makes a nullable field null and removes an optional one', async () => {
    expect(await edit({ set: { name: 'Anna', score: null, nickname: null } })).toMatchObject({ name: 'Anna', score: null, nickname: null });
    const value = await stored('Profile:ann');
    expect(value).toMatchObject({ name: 'Anna', score: null });
    expect(value).not.toHaveProperty('nickname');
  });

  it('inc adds to a numeric field', async () => {
    expect(await edit({ inc: { score: -5 } })).toMatchObject({ score: -2 });
  });

  it('append adds items at the end of a list, and remove takes out every occurrence', async () => {
    expect(await edit({ append: { tags: ['d', 'a'] } })).toMatchObject({ tags: ['a', 'b', 'a', 'c', 'd', 'a'] });
    expect(await edit({ remove: { tags: ['a', 'missing'] } })).toMatchObject({ tags: ['b', 'c', 'd'] });
    expect(await stored('Profile:ann')).toMatchObject({ tags: ['b', 'c', 'd'] });
  });

  it('merge adds and replaces record entries shallowly, and unset deletes record keys', async () => {
    expect((await edit({ merge: { prefs: { lang: 'en', layout: { rows: 3 } } } }))?.prefs).toEqual({
      theme: 'dark',
      lang: 'en',
      layout: { rows: 3 },
    });
    expect((await edit({ unset: { prefs: ['theme', 'missing'] } }))?.prefs).toEqual({ lang: 'en', layout: { rows: 3 } });
    expect((await stored('Profile:ann'))?.prefs).toEqual({ lang: 'en', layout: { rows: 3 } });
  });

  it('apply in the order set, inc, append, remove, merge, unset', async () => {
    const model = await edit({
      unset: { prefs: ['x'] },
      merge: { prefs: { x: 1 } },
      remove: { tags: ['z'] },
      append: { tags: ['z', 'y'] },
      inc: { score: 10 },
      set: { score: 1, tags: ['q'] },
    });
    expect(model).toMatchObject({ score: 11, tags: ['q', 'y'] });
    expect(model?.prefs).toEqual({ theme: 'dark', layout: { cols: 2, rows: 1 } });
  });

  it('work on the demo models through the typed documents too', async () => {
    const { data } = await t.execute(WithLockDocument, {
      key: 'Product:{shop}book',
      update: { product: { set: { name: 'Book II' }, inc: { price: 2.5 }, append: { tags: ['sale'] }, remove: { tags: ['paper'] } } },
    });
    expect(data?.withLock.model).toMatchObject({ name: 'Book II', price: 12.5, tags: ['sale'] });
  });
});

describe('refusals', () => {
  const steps33 = Array.from({ length: 33 }, (_, i) => ({ key: `User:{shop}u${i}` }));
  const refusals: Array<[string, ErrorCode, () => Promise<Response<unknown>>]> = [
    [
      'withLock on a key naming no registered model',
      'MODEL_NOT_FOUND',
      () => t.execute(WithLockDocument, { key: 'Ghost:1', update: balance(-1) }),
    ],
    ['acquireLock on a key naming no registered model', 'MODEL_NOT_FOUND', () => t.execute(AcquireLockDocument, { key: 'Ghost:1' })],
    ['withLock on a malformed key', 'INVALID_KEY', () => t.execute(WithLockDocument, { key: 'no-colon', update: balance(-1) })],
    [
      'withLocks with a malformed key among its steps',
      'INVALID_KEY',
      () => t.execute(WithLocksDocument, { steps: [{ key: 'User:{shop}alice', update: balance(-1) }, { key: 'User:' }] }),
    ],
    [
      'an action with a colon',
      'BAD_USER_INPUT',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', action: 'a:b', update: balance(-1) }),
    ],
    ['an action with a space', 'BAD_USER_INPUT', () => t.execute(AcquireLockDocument, { key: 'User:{shop}alice', action: 'a b' })],
    [
      'an empty action',
      'BAD_USER_INPUT',
      () => t.execute(WithLocksDocument, { action: '', steps: [{ key: 'User:{shop}alice', update: balance(-1) }] }),
    ],
    [
      'an action of 65 characters',
      'BAD_USER_INPUT',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', action: 'x'.repeat(65), update: balance(-1) }),
    ],
    ['leaseMs 99', 'BAD_USER_INPUT', () => t.execute(WithLockDocument, { key: 'User:{shop}alice', leaseMs: 99, update: balance(-1) })],
    ['leaseMs 600001', 'BAD_USER_INPUT', () => t.execute(AcquireLockDocument, { key: 'User:{shop}alice', leaseMs: 600_001 })],
    ['timeoutMs -1', 'BAD_USER_INPUT', () => t.execute(WithLockDocument, { key: 'User:{shop}alice', timeoutMs: -1, update: balance(-1) })],
    [
      'timeoutMs 60001',
      'BAD_USER_INPUT',
      () => t.execute(WithLocksDocument, { timeoutMs: 60_001, steps: [{ key: 'User:{shop}alice', update: balance(-1) }] }),
    ],
    [
      'an update member for another model',
      'WRONG_MODEL',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', update: { product: { inc: { stock: 1 } } } }),
    ],
    [
      'a condition member for another model',
      'WRONG_MODEL',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', when: { product: { stock: { gte: 0 } } }, update: balance(-1) }),
    ],
    [
      'a withLocks step whose update is for another model',
      'WRONG_MODEL',
      () =>
        t.execute(WithLocksDocument, {
          steps: [
            { key: 'User:{shop}alice', update: balance(-1) },
            { key: 'Product:{shop}book', update: balance(1) },
          ],
        }),
    ],
    [
      'an update that takes the balance below 0',
      'VALIDATION_FAILED',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', update: balance(-101) }),
    ],
    [
      'an update that sets an invalid email',
      'VALIDATION_FAILED',
      () => t.execute(WithLockDocument, { key: 'User:{shop}alice', update: { user: { set: { email: 'not-an-email' } } } }),
    ],
    [
      'a withLocks step whose update breaks the schema, beside a valid one',
      'VALIDATION_FAILED',
      () =>
        t.execute(WithLocksDocument, {
          steps: [
            { key: 'User:{shop}alice', update: balance(-1) },
            { key: 'Product:{shop}book', update: { product: { inc: { stock: -4 } } } },
          ],
        }),
    ],
    [
      'a set that changes the key field',
      'IMMUTABLE_KEY',
      () => customWithLock({ key: 'Item:A-1', update: { item: { set: { sku: 'B-2', title: 'Bell' } } } }),
    ],
    [
      'withLocks with the same key twice',
      'BAD_USER_INPUT',
      () => t.execute(WithLocksDocument, { steps: [{ key: 'User:{shop}alice', update: balance(-1) }, { key: 'User:{shop}alice' }] }),
    ],
    ['withLocks with no steps', 'BAD_USER_INPUT', () => t.execute(WithLocksDocument, { steps: [] })],
    ['withLocks with 33 steps', 'BAD_USER_INPUT', () => t.execute(WithLocksDocument, { steps: steps33 })],
    [
      'releaseLock with a token that is none',
      'LOCK_LOST',
      () => t.execute(ReleaseLockDocument, { token: 'not-a-token', update: balance(-1) }),
    ],
    ['extendLock with a token that is none', 'LOCK_LOST', () => t.execute(ExtendLockDocument, { token: 'not-a-token', leaseMs: 1_000 })],
  ];

  it.each(refusals)('refuses %s with %s, writing nothing', async (_case, code, run) => {
    const before = await dump();
    const { status, data, errors } = await run();
    expect(status).toBe(200);
    expect(data).toBeNull();
    expect(errors?.map((error) => error.extensions?.code)).toEqual([code]);
    expect(await dump()).toEqual(before);
  });

  it('states the rule, the value received and what to change', async () => {
    const message = async (response: Promise<Response<unknown>>) => (await response).errors?.[0]?.message;
    expect(await message(t.execute(WithLockDocument, { key: 'User:{shop}alice', action: 'a:b' }))).toBe(
      'Lock action "a:b" is invalid: it must match /^[A-Za-z0-9_.-]{1,64}$/.',
    );
    expect(await message(t.execute(WithLockDocument, { key: 'User:{shop}alice', leaseMs: 99 }))).toBe(
      'leaseMs is 99; it must be a whole number of milliseconds from 100 to 600000.',
    );
    expect(await message(t.execute(WithLockDocument, { key: 'User:{shop}alice', timeoutMs: 60_001 }))).toBe(
      'timeoutMs is 60001; it must be a whole number of milliseconds from 0 to 60000.',
    );
    expect(await message(t.execute(WithLockDocument, { key: 'User:{shop}alice', update: { product: { inc: { stock: 1 } } } }))).toContain(
      'Key "User:{shop}alice" is for model User, but the member "product" names another model; use the member "user".',
    );
    expect(await message(t.execute(WithLocksDocument, { steps: steps33 }))).toBe('withLocks takes 1 to 32 steps; it got 33.');
    expect(await message(customWithLock({ key: 'Item:A-1', update: { item: { set: { sku: 'B-2' } } } }))).toContain(
      '"Item.sku" is the key of its model',
    );
  });

  it('accepts the bounds themselves: leaseMs 100 and 600000, timeoutMs 0 and 60000, an action of 64 characters, 32 steps', async () => {
    const responses = await Promise.all([
      t.execute(WithLockDocument, { key: 'User:{shop}alice', action: 'x'.repeat(64), leaseMs: 600_000, timeoutMs: 60_000 }),
      t.execute(WithLockDocument, { key: 'User:{shop}bob', action: 'A-z_0.9', leaseMs: 100, timeoutMs: 0 }),
      t.execute(WithLocksDocument, { steps: steps33.slice(0, 32) }),
    ]);
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
  });
});
