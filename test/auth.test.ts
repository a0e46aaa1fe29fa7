import { createHash } from 'node:crypto';
import { OperationTypeNode } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Order, Product, User, models as shopModels } from '../examples/shop.js';
import { z } from 'zod';
import { Access, createGateway, createRegistry, defineModel, type Scope } from '../src/index.js';
import { rootFieldScopes } from '../src/server/plugins/use-auth.js';
import { describeCommand } from './helpers/command-counter.js';
import { describeReads, loadBatchReadScript, oneBatchRead } from './helpers/batch-reads.js';
import { codeOf, gatewayError } from './helpers/gateway-error.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

describe('Access (pure)', () => {
  it('holds exactly the scopes granted: admin implies nothing else', () => {
    const admin = new Access([{ scopes: ['admin'] }], 'k');
    expect(admin.can('admin', 'User')).toBe(true);
    expect(['read', 'write', 'lock'].map((scope) => admin.can(scope as Scope))).toEqual([false, false, false]);
  });

  it('limits a grant with models to those models, and unites several grants of one caller', () => {
    const access = new Access(
      [
        { scopes: ['read'], models: ['Product'] },
        { scopes: ['read', 'write'], models: ['Order'] },
      ],
      'k',
    );
    expect(access.can('read', 'Product')).toBe(true);
    expect(access.can('read', 'Order')).toBe(true);
    expect(access.can('read', 'User')).toBe(false);
    expect(access.can('write', 'Product')).toBe(false);
    expect(access.can('read')).toBe(true);
    expect(access.canAll('read')).toBe(false);
    expect(Access.full.canAll('read')).toBe(true);
  });

  it('refuses with FORBIDDEN naming the caller, the scope, the model and the key', () => {
    const error = new Access([{ scopes: ['read'], models: ['Product'] }], 'the API key apiKeys[0]').refusal(
      'read',
      'User',
      'read this key',
      'User:a',
    );
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe(
      'The API key apiKeys[0] may not read this key ("User:a"): it needs the read scope on model User, which the API key apiKeys[0] lacks. Use an API key that has it.',
    );
    expect(error.details).toEqual({ scope: 'read', model: 'User', key: 'User:a' });
  });

  it('maps every root field to its scope, by the names the registry generates; an unknown mutation needs admin', () => {
    const { QUERY, MUTATION } = OperationTypeNode;
    const scopeOfRootField = rootFieldScopes(createRegistry(shopModels));
    const scopes = (operation: OperationTypeNode, fields: string[]) => fields.map((field) => scopeOfRootField(operation, field));
    expect(scopes(QUERY, ['node', 'nodes', 'allUsers', 'models'])).toEqual(['read', 'read', 'read', 'read']);
    expect(scopes(QUERY, ['__typename', '__schema'])).toEqual([null, null]);
    expect(scopes(MUTATION, ['insertMany', 'deleteMany', 'deleteUsers', 'setTtl'])).toEqual(['write', 'write', 'write', 'write']);
    expect(scopes(MUTATION, ['withLock', 'withLocks', 'acquireLock', 'extendLock', 'releaseLock'])).toEqual(Array(5).fill('lock'));
    expect(scopes(MUTATION, ['deleteAllUsers', 'somethingNew'])).toEqual(['admin', 'admin']);
  });

  it('tells a model named All<Name> from deleteAll<Name>s: its delete by where needs write', () => {
    const AllItem = defineModel('AllItem', z.object({ n: z.int32() }), { index: ['n'] });
    const scopeOfRootField = rootFieldScopes(createRegistry([AllItem]));
    expect(scopeOfRootField(OperationTypeNode.MUTATION, 'deleteAllItems')).toBe('write');
    expect(scopeOfRootField(OperationTypeNode.MUTATION, 'deleteAllAllItems')).toBe('admin');
  });
});

const KEYS = {
  reader: 'reader-key-0123456789',
  writer: 'writer-key-0123456789',
  locker: 'locker-key-0123456789',
  admin: 'admin-key-0123456789',
  productReader: 'product-reader-0123456789',
  productWriter: 'product-writer-0123456789',
  writeToken: 'the-write-token-0123456789',
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Puts back the same three documents, with no lock held, through the TypeScript store (every scope); one
 * atomic write per slot, since on a cluster their keys hash to different slots.
 */
async function seed(t: TestGateway) {
  await t.redis.flush();
  await t.gateway.store.insert(
    [
      User.create({ name: 'Alice', age: 30, email: 'alice@example.com' }, { pk: 'alice' }),
      Product.create({ name: 'Pen', price: 2 }, { pk: 'p1' }),
      Order.create(
        { userId: 'User:alice', productId: 'Product:p1', quantity: 1, placedAt: new Date('2026-01-01T00:00:00Z') },
        { pk: 'o1' },
      ),
    ],
    { atomicity: 'PER_SLOT' },
  );
}

describe('API keys with scopes, over GraphQL', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({
      writeToken: KEYS.writeToken,
      auth: {
        apiKeys: [
          { key: KEYS.reader, scopes: ['read'] },
          { key: KEYS.writer, scopes: ['write'] },
          { key: KEYS.locker, scopes: ['lock'] },
          // Stored as its digest, as a keys file may hold it.
          { sha256: createHash('sha256').update(KEYS.admin).digest('hex'), scopes: ['admin'], name: 'ops' },
          { key: KEYS.productReader, scopes: ['read'], models: ['Product'] },
          { key: KEYS.productWriter, scopes: ['write', 'lock'], models: ['Product'] },
          { key: KEYS.productWriter, scopes: ['read'], models: ['Order'] },
        ],
      },
    });
    await loadBatchReadScript(t.redis);
  });
  afterAll(() => t.close());
  beforeEach(() => seed(t));

  /** A token the operation needs, made by the store just before, for extendLock and releaseLock. */
  const lockToken = async () => (await t.gateway.store.session().acquireLock('User:alice', 'matrix')).lease.token;

  const operations: Array<{ scope: Scope; name: string; query: (token: string) => string; needsToken?: boolean }> = [
    { scope: 'read', name: 'node', query: () => '{ node(key: "User:alice") { key } }' },
    { scope: 'read', name: 'nodes', query: () => '{ nodes(keys: ["User:alice"]) { key } }' },
    { scope: 'read', name: 'allUsers(where)', query: () => '{ allUsers(where: { age: { gte: 1 } }) { totalCount } }' },
    { scope: 'read', name: 'allUsers(keys)', query: () => '{ allUsers(keys: ["alice"]) { totalCount } }' },
    { scope: 'read', name: 'models', query: () => '{ models { name } }' },
    {
      scope: 'write',
      name: 'insertMany',
      query: () => 'mutation { insertMany(models: [{ user: { pk: "zed", name: "Z", age: 1, email: "z@example.com" } }]) { key } }',
    },
    { scope: 'write', name: 'deleteMany', query: () => 'mutation { deleteMany(keys: ["User:alice"]) { count } }' },
    { scope: 'write', name: 'deleteUsers', query: () => 'mutation { deleteUsers(where: { name: { eq: "Alice" } }) { count } }' },
    { scope: 'write', name: 'setTtl', query: () => 'mutation { setTtl(key: "User:alice", seconds: 100) { key } }' },
    { scope: 'lock', name: 'withLock', query: () => 'mutation { withLock(key: "User:alice") { applied } }' },
    { scope: 'lock', name: 'withLocks', query: () => 'mutation { withLocks(steps: [{ key: "User:alice" }]) { applied } }' },
    { scope: 'lock', name: 'acquireLock', query: () => 'mutation { acquireLock(key: "User:alice", action: "other") { key } }' },
    {
      scope: 'lock',
      name: 'extendLock',
      query: (token) => `mutation { extendLock(token: "${token}", leaseMs: 5000) { key } }`,
      needsToken: true,
    },
    { scope: 'lock', name: 'releaseLock', query: (token) => `mutation { releaseLock(token: "${token}") { key } }`, needsToken: true },
    { scope: 'admin', name: 'deleteAllUsers', query: () => 'mutation { deleteAllUsers(confirm: true) { count } }' },
  ];
  const callers: Array<{ caller: string; headers: Record<string, string>; scopes: Scope[] }> = [
    { caller: 'no key', headers: {}, scopes: [] },
    { caller: 'a read key', headers: bearer(KEYS.reader), scopes: ['read'] },
    { caller: 'a write key', headers: bearer(KEYS.writer), scopes: ['write'] },
    { caller: 'a lock key', headers: bearer(KEYS.locker), scopes: ['lock'] },
    { caller: 'an admin key', headers: bearer(KEYS.admin), scopes: ['admin'] },
    { caller: 'the write token', headers: bearer(KEYS.writeToken), scopes: ['read', 'write', 'lock', 'admin'] },
  ];

  for (const operation of operations) {
    for (const { caller, headers, scopes } of callers) {
      const allowed = scopes.includes(operation.scope);
      const outcome = allowed ? 'runs' : caller === 'no key' ? 'is UNAUTHENTICATED (401)' : 'is FORBIDDEN (403)';
      it(`${operation.name} (${operation.scope}) with ${caller} ${outcome}`, async () => {
        const token = operation.needsToken ? await lockToken() : '';
        const { result, commands } = await t.redis.countCommands(() => t.execute(operation.query(token), undefined, headers));
        if (allowed) {
          expect(result.errors).toBeUndefined();
          expect(result.status).toBe(200);
        } else {
          expect(result.status).toBe(caller === 'no key' ? 401 : 403);
          expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: caller === 'no key' ? 'UNAUTHENTICATED' : 'FORBIDDEN' }]);
          expect(result.errors?.[0]?.message).toContain(`the ${operation.scope} scope`);
          expect(result.data ?? null).toBeNull();
          expect(commands.map(describeCommand)).toEqual([]);
        }
      });
    }
  }

  it('refuses a token that matches no key, even a prefix of one, with UNAUTHENTICATED (401), before Redis is touched', async () => {
    for (const authorization of [`Bearer ${KEYS.reader.slice(0, -1)}`, `Bearer ${KEYS.reader}x`, KEYS.reader, `Basic ${KEYS.reader}`]) {
      const { result, commands } = await t.redis.countCommands(() => t.execute('{ __typename }', undefined, { authorization }));
      expect(result.status, authorization).toBe(401);
      expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'UNAUTHENTICATED' }]);
      expect(result.errors?.[0]?.message).toContain('matches no configured key');
      expect(commands).toEqual([]);
    }
  });

  describe('per-model read rules (a key that may read Product only)', () => {
    const headers = bearer(KEYS.productReader);

    it('node of another model is FORBIDDEN in its field; a node of Product in the same request comes back', async () => {
      const { status, data, errors } = await t.execute<{ u: unknown; p: unknown }, never>(
        '{ u: node(key: "User:alice") { key } p: node(key: "Product:p1") { key } }',
        undefined,
        headers,
      );
      expect(status).toBe(200);
      expect(data).toEqual({ u: null, p: { key: 'Product:p1' } });
      expect(errorCodes(errors)).toEqual([{ path: 'u', code: 'FORBIDDEN' }]);
      expect(errors?.[0]?.extensions).toMatchObject({ scope: 'read', model: 'User', key: 'User:alice' });
    });

    it('nodes gives FORBIDDEN in the slot of each key it may not read, with its index, and never asks Redis for it', async () => {
      const { result, commands } = await t.redis.countCommands(() =>
        t.execute('{ nodes(keys: ["Product:p1", "User:alice", "Order:o1", "Product:p1"]) { key } }', undefined, headers),
      );
      expect(result.data).toEqual({ nodes: [{ key: 'Product:p1' }, null, null, { key: 'Product:p1' }] });
      expect(errorCodes(result.errors)).toEqual([
        { path: 'nodes.1', code: 'FORBIDDEN' },
        { path: 'nodes.2', code: 'FORBIDDEN' },
      ]);
      expect(result.errors?.map((error) => error.extensions?.index)).toEqual([1, 2]);
      expect(describeReads(commands)).toEqual(oneBatchRead(t.redis, ['Product:p1']));
    });

    it('all<Model>s of another model is FORBIDDEN, by where or by keys, and Redis is not asked', async () => {
      for (const query of ['{ allUsers(where: { age: { gte: 1 } }) { totalCount } }', '{ allUsers(keys: ["alice"]) { totalCount } }']) {
        const { result, commands } = await t.redis.countCommands(() => t.execute(query, undefined, headers));
        expect(result.status).toBe(200);
        expect(result.data ?? null).toBeNull();
        expect(errorCodes(result.errors)).toEqual([{ path: 'allUsers', code: 'FORBIDDEN' }]);
        expect(result.errors?.[0]?.extensions).toMatchObject({ scope: 'read', model: 'User' });
        expect(commands).toEqual([]);
      }
      const products = await t.execute('{ allProducts(keys: ["p1"]) { totalCount } }', undefined, headers);
      expect(products.data).toEqual({ allProducts: { totalCount: 1 } });
    });

    it('models lists only the models it may read', async () => {
      const { data } = await t.execute('{ models { name } }', undefined, headers);
      expect(data).toEqual({ models: [{ name: 'Product' }] });
    });
  });

  describe('per-model writes and locks (a key that may write and lock Product, and read Order)', () => {
    const headers = bearer(KEYS.productWriter);

    it('insertMany with one model it may not write is FORBIDDEN and writes nothing', async () => {
      const { result, commands } = await t.redis.countCommands(() =>
        t.execute(
          'mutation { insertMany(models: [{ product: { pk: "p2", name: "Ink", price: 1 } }, { user: { pk: "bob", name: "B", age: 2, email: "b@example.com" } }]) { key } }',
          undefined,
          headers,
        ),
      );
      expect(errorCodes(result.errors)).toEqual([{ path: 'insertMany', code: 'FORBIDDEN' }]);
      expect(result.errors?.[0]?.extensions).toMatchObject({ scope: 'write', model: 'User', key: 'User:bob' });
      expect(commands).toEqual([]);
    });

    it('deleteMany and setTtl with a key of another model are FORBIDDEN and change nothing', async () => {
      const { result, commands } = await t.redis.countCommands(() =>
        t.execute('mutation { d: deleteMany(keys: ["Product:p1", "User:alice"]) { count } }', undefined, headers),
      );
      expect(errorCodes(result.errors)).toEqual([{ path: 'd', code: 'FORBIDDEN' }]);
      const ttl = await t.execute('mutation { setTtl(key: "Order:o1", seconds: 5) { key } }', undefined, headers);
      expect(errorCodes(ttl.errors)).toEqual([{ path: 'setTtl', code: 'FORBIDDEN' }]);
      expect(commands).toEqual([]);
      expect(await t.redis.exists('Product:p1', 'User:alice')).toBe(2);
      expect(await t.redis.client.ttl('Order:o1')).toBeGreaterThan(5);
    });

    it('delete<Model>s of another model is FORBIDDEN', async () => {
      const { errors } = await t.execute('mutation { deleteUsers(where: { age: { gte: 0 } }) { count } }', undefined, headers);
      expect(errorCodes(errors)).toEqual([{ path: 'deleteUsers', code: 'FORBIDDEN' }]);
      expect(await t.redis.client.exists('User:alice')).toBe(1);
    });

    it('withLocks over a key of another model is FORBIDDEN before any lock is taken or anything written', async () => {
      const { result, commands } = await t.redis.countCommands(() =>
        t.execute(
          'mutation { withLocks(steps: [{ key: "Product:p1", update: { product: { set: { stock: 9 } } } }, { key: "User:alice", update: { user: { set: { age: 99 } } } }]) { applied } }',
          undefined,
          headers,
        ),
      );
      expect(errorCodes(result.errors)).toEqual([{ path: 'withLocks', code: 'FORBIDDEN' }]);
      expect(commands).toEqual([]);
    });

    it('reads the model it was granted read on, and holds write and lock on Product', async () => {
      const { data, errors } = await t.execute(
        'mutation { withLock(key: "Product:p1", update: { product: { set: { stock: 9 } } }) { applied } insertMany(models: [{ product: { pk: "p2", name: "Ink", price: 1 } }]) { key } }',
        undefined,
        headers,
      );
      expect(errors).toBeUndefined();
      expect(data).toEqual({ withLock: { applied: true }, insertMany: [{ key: 'Product:p2' }] });
      const read = await t.execute('{ allOrders(keys: ["o1"]) { totalCount } }', undefined, headers);
      expect(read.data).toEqual({ allOrders: { totalCount: 1 } });
    });
  });
});

describe('anonymous callers', () => {
  it('may do everything while no key is configured, and the gateway warns that mutations are open', async () => {
    const t = await openTestGateway({ writeToken: undefined });
    try {
      expect(t.gateway.warnings).toEqual([expect.stringContaining('anyone who can reach the gateway can read, write and delete')]);
      const { status, errors } = await t.execute('mutation { deleteAllUsers(confirm: true) { count } }');
      expect(status).toBe(200);
      expect(errors).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('get the anonymous scopes once keys are configured, and no warning is given', async () => {
    const t = await openTestGateway({ auth: { apiKeys: [{ key: KEYS.writer, scopes: ['write'] }], anonymous: ['read'] } });
    try {
      expect(t.gateway.warnings).toEqual([]);
      await seed(t);
      const read = await t.execute('{ node(key: "User:alice") { key } }');
      expect(read.data).toEqual({ node: { key: 'User:alice' } });
      const { result, commands } = await t.redis.countCommands(() => t.execute('mutation { deleteMany(keys: ["User:alice"]) { count } }'));
      expect(result.status).toBe(401);
      expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'UNAUTHENTICATED' }]);
      expect(commands).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('are warned about at startup when they may change data', async () => {
    const t = await openTestGateway({ auth: { apiKeys: [{ key: KEYS.admin, scopes: ['admin'] }], anonymous: ['read', 'write', 'lock'] } });
    try {
      expect(t.gateway.warnings).toEqual([
        expect.stringContaining('callers without a key hold the write, lock scopes: anyone who can reach the gateway can change data'),
      ]);
    } finally {
      await t.close();
    }
  });

  it('may be limited to models too', async () => {
    const t = await openTestGateway({
      auth: { apiKeys: [{ key: KEYS.writer, scopes: ['write'] }], anonymous: { scopes: ['read'], models: ['Product'] } },
    });
    try {
      await seed(t);
      const { data, errors } = await t.execute('{ nodes(keys: ["Product:p1", "User:alice"]) { key } }');
      expect(data).toEqual({ nodes: [{ key: 'Product:p1' }, null] });
      expect(errorCodes(errors)).toEqual([{ path: 'nodes.1', code: 'FORBIDDEN' }]);
      expect(errors?.[0]?.message).toContain('Anonymous callers may not read this key');
    } finally {
      await t.close();
    }
  });
});

describe('auth configuration', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  const make = (auth: Parameters<typeof createGateway>[0]['auth']) => () =>
    createGateway({ models: shopModels, redis: t.redis.client, auth });

  it('refuses at startup an unknown scope, an unknown model, and a key given both or neither ways, naming the entry', async () => {
    const scope = await gatewayError(make({ apiKeys: [{ key: 'k-123456789', scopes: ['raed' as Scope] }] }));
    expect(scope.code).toBe('BAD_USER_INPUT');
    expect(scope.message).toBe('auth.apiKeys[0].scopes has "raed"; the scopes are read, write, lock, admin.');
    const model = await gatewayError(make({ apiKeys: [{ key: 'k-123456789', scopes: ['read'], models: ['Users'] }] }));
    expect(model.message).toContain('auth.apiKeys[0].models has "Users", which is not a registered model');
    expect(await codeOf(make({ apiKeys: [{ scopes: ['read'] }] }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(make({ apiKeys: [{ key: 'k', sha256: 'ab', scopes: ['read'] }] }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(make({ anonymous: ['write', 'root' as Scope] }))).toBe('BAD_USER_INPUT');
  });
});

describe('access in the TypeScript store', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());
  beforeEach(() => seed(t));

  const productOnly = new Access([{ scopes: ['read', 'write', 'lock'], models: ['Product'] }], 'this session');
  const session = () => t.gateway.store.session({ access: productOnly });

  it('store.session() has every scope', async () => {
    expect(t.gateway.store.session().access).toBe(Access.full);
    expect(await t.gateway.store.get('User:alice')).not.toBeNull();
  });

  it('loadMany answers FORBIDDEN in the slot of a model the session may not read; get and find throw it', async () => {
    const slots = await session().loadMany(['Product:p1', 'User:alice']);
    expect(slots[0]).toMatchObject({ key: 'Product:p1' });
    expect(slots[1]).toMatchObject({ code: 'FORBIDDEN' });
    expect(await codeOf(() => session().get('User:alice'))).toBe('FORBIDDEN');
    expect(await codeOf(() => session().find(['Product:p1', 'User:alice']))).toBe('FORBIDDEN');
    expect(await codeOf(() => session().findModels(User, { first: 1 }))).toBe('FORBIDDEN');
    expect(await codeOf(() => session().findByKeys(User, ['alice']))).toBe('FORBIDDEN');
    expect(
      session()
        .readableModels()
        .map((model) => model.name),
    ).toEqual(['Product']);
  });

  it('every write and lock checks every key before anything reaches Redis', async () => {
    const user = User.create({ name: 'Bob', age: 2, email: 'b@example.com' }, { pk: 'bob' });
    const product = Product.create({ name: 'Ink', price: 1 }, { pk: 'p2' });
    const { result, commands } = await t.redis.countCommands(async () => [
      await codeOf(() => session().insert([product, user])),
      await codeOf(() => session().deleteMany(['Product:p1', 'User:alice'])),
      await codeOf(() => session().deleteWhere(User, { name: { eq: 'Alice' } })),
      await codeOf(() => session().deleteAll(Product)),
      await codeOf(() => session().setTtl('User:alice', 5)),
      await codeOf(() => session().withLock('User:alice', 'edit', { update: { set: { age: 1 } } })),
      await codeOf(() => session().withLocks('edit', [{ key: 'Product:p1' }, { key: 'User:alice' }])),
      await codeOf(() => session().acquireLock('User:alice')),
      await codeOf(() => session().holdLock('User:alice', 'edit', () => ({ set: { age: 1 } }))),
    ]);
    expect(result).toEqual(Array(9).fill('FORBIDDEN'));
    expect(commands).toEqual([]);
  });

  it('extendLock and releaseLock check the model of the lease they are given', async () => {
    const { lease } = await t.gateway.store.session().acquireLock('User:alice', 'edit');
    expect(await codeOf(() => session().extendLock(lease.token, 1000))).toBe('FORBIDDEN');
    expect(await codeOf(() => session().releaseLock(lease.token, { update: { set: { age: 1 } } }))).toBe('FORBIDDEN');
    await t.gateway.store.session().releaseLock(lease.token);
    expect((await t.gateway.store.get(User, 'alice'))?.value.age).toBe(30);
  });
});
