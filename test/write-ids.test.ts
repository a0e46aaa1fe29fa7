import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { User, models } from '../examples/shop.js';
import { createStore, type Store } from '../src/index.js';
import { redisClientOptions } from '../src/server/connect-redis.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { WRITE_RECORD_MS } from '../src/store/write-id.js';
import { isScriptCall } from './helpers/command-counter.js';
import { droppingProxy, type DroppingProxy } from './helpers/dropping-proxy.js';
import { onCluster } from './helpers/modes.js';
import { openStandaloneRedis, type StandaloneRedis } from './helpers/redis.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/* Write ids and atomicity: what a client retrying a write sees, through GraphQL and the store. */

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway();
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

const INSERT = `mutation Insert($models: [ModelInput!]!, $onConflict: OnConflict, $atomicity: Atomicity, $writeId: String) {
  insertMany(models: $models, onConflict: $onConflict, atomicity: $atomicity, writeId: $writeId) { key ttl }
}`;
const DELETE = `mutation Delete($keys: [ID!]!, $atomicity: Atomicity, $writeId: String) {
  deleteMany(keys: $keys, atomicity: $atomicity, writeId: $writeId) { count }
}`;
// Documents written together share a hash tag: on a cluster a write of several slots is refused (CROSS_SLOT).
const user = (pk: string) => ({ user: { pk, name: `N ${pk}`, age: 30, email: 'w@example.com' } });
const order = (pk: string) => ({
  order: { pk, userId: 'User:{w}ada', productId: 'Product:p', quantity: 1, placedAt: '2025-03-01T10:00:00.000Z' },
});
/** Model keys only: the gateway's own keys live under rmg:. */
const storedKeys = async () => (await t.redis.keys()).filter((key) => !key.startsWith('rmg:'));

describe('a write retried with its writeId', () => {
  it('answers an insert’s recorded outcome instead of applying it again: onConflict FAIL does not refuse its own first run', async () => {
    const variables = { models: [user('{w}ada'), order('{w}o1')], onConflict: 'FAIL', writeId: 'order-o1-try' };
    const first = await t.execute(INSERT, variables);
    expect(first.errors).toBeUndefined();
    const again = await t.execute(INSERT, variables);
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(await storedKeys()).toEqual(['Order:{w}o1', 'User:{w}ada']);
    // The record lives 60 s, as documented; another id is another write.
    const lifetime = await t.redis.client.pttl(keyspaceFor(t.redis.client).writeRecordKey('User:{w}ada', 'order-o1-try'));
    expect(lifetime).toBeGreaterThan(WRITE_RECORD_MS - 5000);
    expect(lifetime).toBeLessThanOrEqual(WRITE_RECORD_MS);
    const other = await t.execute(INSERT, { ...variables, writeId: 'order-o1-other' });
    expect(errorCodes(other.errors)).toEqual([{ path: 'insertMany', code: 'KEY_EXISTS' }]);
  });

  it('answers a delete’s recorded count, though its keys are gone by then', async () => {
    await t.execute(INSERT, { models: [user('{w}a'), user('{w}b')] });
    const variables = { keys: ['User:{w}a', 'User:{w}b', 'User:{w}never'], writeId: 'delete-ab' };
    expect((await t.execute(DELETE, variables)).data).toEqual({ deleteMany: { count: 2 } });
    expect((await t.execute(DELETE, variables)).data).toEqual({ deleteMany: { count: 2 } });
    expect((await t.execute(DELETE, { keys: variables.keys })).data).toEqual({ deleteMany: { count: 0 } });
  });

  it.each([
    ['a space', 'has space'],
    ['a colon', 'a:b'],
    ['a hash tag', '{x}'],
    ['65 characters', 'x'.repeat(65)],
    ['nothing', ''],
  ])('refuses a writeId with %s with BAD_USER_INPUT naming it, writing nothing', async (_, writeId) => {
    const inserted = await t.execute(INSERT, { models: [user('ada')], writeId });
    expect(errorCodes(inserted.errors)).toEqual([{ path: 'insertMany', code: 'BAD_USER_INPUT' }]);
    expect(inserted.errors?.[0]?.message).toContain('must match ^[A-Za-z0-9_.-]{1,64}$');
    expect(inserted.errors?.[0]?.extensions?.writeId).toBe(writeId.slice(0, 80));
    expect(await storedKeys()).toEqual([]);
    await t.execute(INSERT, { models: [user('kept')] });
    const deleted = await t.execute(DELETE, { keys: ['User:kept'], writeId });
    expect(errorCodes(deleted.errors)).toEqual([{ path: 'deleteMany', code: 'BAD_USER_INPUT' }]);
    expect(await storedKeys()).toEqual(['User:kept']);
  });

  it('refuses a writeId when an input has no pk, naming the input: a retry would make new keys', async () => {
    const refused = await t.execute(INSERT, {
      models: [user('{w}ada'), { user: { name: 'No pk', age: 1, email: 'n@example.com' } }],
      writeId: 'needs-pks',
    });
    expect(errorCodes(refused.errors)).toEqual([{ path: 'insertMany', code: 'BAD_USER_INPUT' }]);
    expect(refused.errors?.[0]?.message).toContain('models[1] (User) has no pk');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ index: 1, model: 'User' });
    expect(await storedKeys()).toEqual([]);
  });
});

// On one Redis every key is in one slot; cluster-per-slot.test.ts specifies PER_SLOT over several slots.
describe.runIf(!onCluster())('atomicity PER_SLOT on one Redis', () => {
  it('is one atomic step, as ALL: one script call for keys of different hash tags, and the same refusal', async () => {
    const models = [user('{x}a'), user('{y}b'), user('{z}c')];
    const { result, commands } = await t.redis.countCommands(() => t.execute(INSERT, { models, atomicity: 'PER_SLOT' }));
    expect(result.errors).toBeUndefined();
    expect(commands.filter(isScriptCall)).toHaveLength(1);
    const refused = await t.execute(INSERT, { models: [user('{x}new'), user('{z}c')], onConflict: 'FAIL', atomicity: 'PER_SLOT' });
    expect(errorCodes(refused.errors)).toEqual([{ path: 'insertMany', code: 'KEY_EXISTS' }]);
    expect(await storedKeys()).toEqual(['User:{x}a', 'User:{y}b', 'User:{z}c']);
    expect((await t.execute(DELETE, { keys: ['User:{x}a', 'User:{z}c'], atomicity: 'PER_SLOT' })).data).toEqual({
      deleteMany: { count: 2 },
    });
  });
});

// A proxy in front of one redis-server; cluster-no-resend.test.ts loses a reply on a cluster.
describe.runIf(!onCluster())("the store's write whose reply is lost on one Redis", () => {
  /**
   * A store whose connection loses the reply of the first command holding `marker`, beside the same
   * Redis without the proxy; `proxy.sends` counts the sends of that command.
   */
  async function withLostReply(marker: string, body: (lossy: Store, proxy: DroppingProxy, redis: StandaloneRedis) => Promise<void>) {
    const { hostname, port } = new URL(inject('redisUrl'));
    const proxy = await droppingProxy({ host: hostname, port: Number(port) }, marker);
    const redis = await openStandaloneRedis();
    const client = new Redis({ ...redisClientOptions(), host: proxy.host, port: proxy.port, db: redis.db });
    client.on('error', () => {});
    try {
      // Without an offline queue, as the gateway's own client: a command before the connection is refused.
      await new Promise((resolve) => client.once('ready', resolve));
      await body(createStore({ redis: client, models }), proxy, redis);
    } finally {
      client.disconnect();
      await proxy.close();
      await redis.close();
    }
  }

  it('is re-sent under its write id once the connection is back, and reported written: applied once', async () => {
    const marker = 'User:lost-once';
    await withLostReply(marker, async (store, proxy, redis) => {
      await store.insert([User.create({ name: 'Warm', age: 1, email: 'w@example.com' }, { pk: 'warm' })]);
      const drafts = [User.create({ name: 'Once', age: 2, email: 'o@example.com' }, { pk: 'lost-once' })];
      const written = await store.insert(drafts, { onConflict: 'FAIL' });
      expect(written.map((instance) => instance.key)).toEqual([marker]);
      expect(proxy.sends).toBe(2);
      expect(await redis.keys('User:*')).toEqual(['User:lost-once', 'User:warm']);
    });
  });

  // The lock is taken without the proxy; the lock key, which names the action, is in the release or
  // extension alone of what the lossy store sends.
  const holding = async (redis: StandaloneRedis, action: string) => {
    const store = createStore({ redis: redis.client, models });
    await store.insert([User.create({ name: 'Held', age: 3, email: 'h@example.com' }, { pk: 'held' })]);
    return (await store.session().acquireLock('User:held', action, { leaseMs: 5_000 })).lease;
  };

  it('re-sends a lock release whose reply was lost, and reports the lock released: its own release is not "not held"', async () => {
    await withLostReply('lost-release', async (store, proxy, redis) => {
      const lease = await holding(redis, 'lost-release');
      const result = await store.session().releaseLock(lease.token);
      expect(result).toMatchObject({ key: 'User:held', applied: false });
      expect(proxy.sends).toBe(2);
      expect(await redis.exists(keyspaceFor(redis.client).lockKey('User:held', 'lost-release'))).toBe(0);
    });
  });

  it('re-sends a lease extension whose reply was lost, and reports the lease extended once', async () => {
    await withLostReply('lost-extension', async (store, proxy, redis) => {
      const lease = await holding(redis, 'lost-extension');
      const extended = await store.session().extendLock(lease.token, 60_000);
      expect(proxy.sends).toBe(2);
      expect(extended.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime() + 50_000);
      expect(await redis.client.pttl(keyspaceFor(redis.client).lockKey('User:held', 'lost-extension'))).toBeGreaterThan(50_000);
    });
  });
});
