import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type GatewayError } from '../src/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { models, Product, User } from '../examples/shop.js';

// These tests change server-wide settings (maxmemory), so they run on a redis-server of their own.
let server: EmbeddedRedis;
let dir: string;
let admin: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rmg-atomicity-'));
  server = await startEmbeddedRedis({ dir, appendOnly: false, args: ['--maxmemory-policy', 'noeviction'] });
  admin = new Redis(server.url);
});
afterAll(async () => {
  await admin.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const bigUsers = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) =>
    User.create({ name: `${prefix}${i}`.padEnd(1000, '.'), age: i, email: `${prefix}${i}@example.com` }, { pk: `${prefix}${i}` }),
  );
const users = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) =>
    User.create({ name: `${prefix}${i}`, age: i, email: `${prefix}${i}@example.com` }, { pk: `${prefix}${i}` }),
  );

describe('an insert is all or nothing', () => {
  it('never stops halfway when memory runs out: each write lands whole or is refused whole', async () => {
    const store = createStore({ redis: admin, models });
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    // Margins below and above the size of the write (about 135 kB once stored). Under the smaller ones a
    // write made of separate commands would store its first documents and fail on the rest; the
    // script is refused whole before it starts. Under the larger ones it lands whole.
    const outcomes = new Set<string>();
    for (const marginKb of [16, 64, 128, 160, 256, 512]) {
      await admin.flushdb();
      await store.insert([Product.create({ name: 'Book', price: 1 }, { pk: 'book' })]);
      const before = await usedMemory();
      await admin.config('SET', 'maxmemory', String(before + marginKb * 1024));
      const drafts = [Product.create({ name: 'Book II', price: 2 }, { pk: 'book' }), ...bigUsers(100, `m${marginKb}-`)];
      const outcome = await store.insert(drafts).then(
        () => 'written',
        (error: GatewayError) => `${error.code}: ${error.message}`,
      );
      await admin.config('SET', 'maxmemory', '0');
      const stored = await admin.exists(drafts.slice(1).map((draft) => draft.key));
      const book = JSON.parse((await admin.get('Product:book')) ?? '{}') as { name?: string };
      outcomes.add(outcome === 'written' ? 'written' : 'refused');
      if (outcome === 'written') {
        expect(stored).toBe(100);
        expect(book.name).toBe('Book II');
      } else {
        expect(outcome).toMatch(/^REDIS_UNAVAILABLE: .*maxmemory/);
        expect(stored).toBe(0);
        expect(book.name).toBe('Book');
      }
    }
    expect([...outcomes].sort()).toEqual(['refused', 'written']);
  });

  it('writes nothing when the connection is lost before the write reaches Redis', async () => {
    const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    await client.connect();
    const store = createStore({ redis: client, models });
    client.disconnect();
    await expect(store.insert(users(10, 'lost'))).rejects.toThrow();
    expect(await admin.exists(users(10, 'lost').map((draft) => draft.key))).toBe(0);
  });
});
