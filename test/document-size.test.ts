import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Product } from '../examples/shop.js';
import { DEFAULT_LIMITS } from '../src/store/create-store.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { describeCommand, isScriptCall } from './helpers/command-counter.js';
import { gatewayError } from './helpers/gateway-error.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * maxDocumentBytes is checked where documents are encoded for the one write script, so every write
 * path draws on it: insertMany, lock saves (withLock, withLocks), releaseLock, and the TypeScript store.
 */

const LIMIT = 1000;
/** A name that makes a Product's document larger than LIMIT bytes: its JSON text, UTF-8 (é is two bytes). */
const big = 'é'.repeat(LIMIT / 2);
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('maxDocumentBytes', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ limits: { maxDocumentBytes: LIMIT } });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.redis.flush();
    await t.gateway.store.insert([Product.create({ name: 'Pen', price: 2 }, { pk: 'p1' })]);
  });

  /** The commands a refused write sent: no write script may be among them. */
  const scriptCalls = (commands: Parameters<typeof describeCommand>[0][]) => commands.filter(isScriptCall).map(describeCommand);

  it('is 512 KiB by default', () => {
    expect(DEFAULT_LIMITS.maxDocumentBytes).toBe(512 * 1024);
  });

  it('refuses insertMany with a document over the limit with VALUE_TOO_LARGE naming the key, its index and sizes; nothing is written', async () => {
    // The pks share a hash tag, so that on a cluster the write is one slot's and only its size is refused.
    const { result, commands } = await t.redis.countCommands(() =>
      t.execute(
        'mutation ($name: String!) { insertMany(models: [{ product: { pk: "{d}ok", name: "Ink", price: 1 } }, { product: { pk: "{d}big", name: $name, price: 1 } }]) { key } }',
        { name: big },
      ),
    );
    expect(errorCodes(result.errors)).toEqual([{ path: 'insertMany', code: 'VALUE_TOO_LARGE' }]);
    const size = Buffer.byteLength(JSON.stringify({ name: big, price: 1, inStock: true, stock: 0, tags: [] }));
    expect(result.errors?.[0]?.extensions).toMatchObject({
      key: 'Product:{d}big',
      index: 1,
      size,
      limit: LIMIT,
      option: 'maxDocumentBytes',
    });
    expect(result.errors?.[0]?.message).toContain(`${size} bytes; at most ${LIMIT}`);
    expect(commands).toEqual([]);
    expect(await t.redis.exists('Product:{d}ok', 'Product:{d}big')).toBe(0);
  });

  it('accepts a document of exactly the limit', async () => {
    const fixed = JSON.stringify({ name: '', price: 1, inStock: true, stock: 0, tags: [] }).length;
    const name = 'x'.repeat(LIMIT - fixed);
    const { errors } = await t.execute(
      'mutation ($name: String!) { insertMany(models: [{ product: { pk: "edge", name: $name, price: 1 } }]) { key } }',
      {
        name,
      },
    );
    expect(errors).toBeUndefined();
    expect(await t.redis.client.strlen('Product:edge')).toBe(LIMIT);
  });

  it('refuses a withLock update that would grow the document past the limit, writes nothing, and releases the lock', async () => {
    const { result, commands } = await t.redis.countCommands(() =>
      t.execute('mutation ($name: String!) { withLock(key: "Product:p1", update: { product: { set: { name: $name } } }) { applied } }', {
        name: big,
      }),
    );
    expect(errorCodes(result.errors)).toEqual([{ path: 'withLock', code: 'VALUE_TOO_LARGE' }]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ key: 'Product:p1', limit: LIMIT });
    // The lock was taken and let go; the write script (whose keys start with the document's) never ran.
    const keyspace = keyspaceFor(t.redis.client);
    const [lock, fence, record] = [
      keyspace.lockKey('Product:p1', 'default'),
      keyspace.fenceKey('Product:p1'),
      keyspace.writeRecordKey('Product:p1', ''),
    ];
    expect(scriptCalls(commands)).toEqual([
      expect.stringMatching(new RegExp(`^${escaped(`script ${lock} ${fence} ${record}`)}[\\w-]+$`)),
      expect.stringMatching(new RegExp(`^${escaped(`script ${lock} ${record}`)}[0-9a-f]{16}$`)),
    ]);
    expect(JSON.parse((await t.redis.client.get('Product:p1')) ?? '')).toMatchObject({ name: 'Pen' });
    expect(await t.redis.keys('rmg:lock:*')).toEqual([]);
  });

  it('refuses a releaseLock update past the limit and still lets the lock go', async () => {
    const { lease } = await t.gateway.store.session().acquireLock('Product:p1', 'edit');
    const { errors } = await t.execute(
      'mutation ($token: String!, $name: String!) { releaseLock(token: $token, update: { product: { set: { name: $name } } }) { applied } }',
      { token: lease.token, name: big },
    );
    expect(errorCodes(errors)).toEqual([{ path: 'releaseLock', code: 'VALUE_TOO_LARGE' }]);
    expect(JSON.parse((await t.redis.client.get('Product:p1')) ?? '')).toMatchObject({ name: 'Pen' });
    expect(await t.redis.keys('rmg:lock:*')).toEqual([]);
  });

  it('holds for the TypeScript store: insert and withLock', async () => {
    const inserted = await gatewayError(() => t.gateway.store.insert([Product.create({ name: big, price: 1 }, { pk: 'big' })]));
    expect(inserted).toMatchObject({ code: 'VALUE_TOO_LARGE', details: { key: 'Product:big', index: 0, limit: LIMIT } });
    const locked = await gatewayError(() => t.gateway.store.withLock('Product:p1', 'edit', () => ({ set: { name: big } })));
    expect(locked.code).toBe('VALUE_TOO_LARGE');
    expect(await t.redis.exists('Product:big')).toBe(0);
    expect(JSON.parse((await t.redis.client.get('Product:p1')) ?? '')).toMatchObject({ name: 'Pen' });
  });
});
