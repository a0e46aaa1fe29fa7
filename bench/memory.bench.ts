import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createStore, defineModel } from '../src/index.js';
import { indexKeysAt, singleKeyspace } from '../src/store/keyspace.js';
import { startEmbeddedRedis } from '../src/server/embedded-redis.js';
import { positiveInteger } from './flags.js';

/*
 * `npm run bench:memory [-- --count N]`: Redis memory per document with its index entries, for a
 * document of about 500 B with three indexed fields and a TTL, written through the store into a private
 * redis-server. The default count is one slot's share of 10⁹ documents on a Redis Cluster (10⁹ / 16384):
 * a cluster keeps one index shard per slot, so its sorted sets hold about that many members each and
 * have the encoding measured here. docs/cluster.md sizes a deployment from it.
 */
const { values: flags } = parseArgs({ options: { count: { type: 'string', default: '61035' } } });
const count = positiveInteger('count', flags.count);

const SizedOrder = defineModel(
  'SizedOrder',
  z.object({
    userId: z.string(),
    productId: z.string(),
    quantity: z.int32().min(1),
    status: z.enum(['PENDING', 'PAID', 'SHIPPED']),
    placedAt: z.date(),
    note: z.string(),
  }),
  { ttl: 60 * 60 * 24 * 30, index: ['userId', 'status', 'placedAt'] },
);

const valueOf = (i: number) => ({
  userId: `User:0190a4c2-7b1e-7d2f-9a3b-${String(i % 50_000).padStart(12, '0')}`,
  productId: `Product:0190a4c2-7b1e-7d2f-9a3b-${String(i % 2_000).padStart(12, '0')}`,
  quantity: 1 + (i % 5),
  status: (['PENDING', 'PAID', 'SHIPPED'] as const)[i % 3] ?? 'PENDING',
  placedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
  note: `Deliver to the back door; ring twice. Order ${i}. `.padEnd(300, 'x'),
});

const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-memory-'));
const server = await startEmbeddedRedis({ dir, appendOnly: false });
const redis = new Redis(server.url);
try {
  const store = createStore({ redis, models: [SizedOrder] });
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const before = await usedMemory();
  for (let start = 0; start < count; start += 1000)
    await store.insert(Array.from({ length: Math.min(1000, count - start) }, (_, j) => SizedOrder.create(valueOf(start + j))));
  const after = await usedMemory();

  const [sample] = await redis.scan('0', 'MATCH', 'SizedOrder:*', 'COUNT', 100).then(([, keys]) => keys);
  const documentBytes = Buffer.byteLength((await redis.get(sample ?? '')) ?? '');
  const keyUsage = Number(await redis.memory('USAGE', sample ?? '', 'SAMPLES', 0));
  const prefix = singleKeyspace.indexPrefix(SizedOrder.name, '');
  const indexKeys = indexKeysAt(
    prefix,
    SizedOrder.indexed.map((field) => field.name),
  );
  const perIndexKey = await Promise.all(
    indexKeys.map(async (key) => [key, Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0) / count] as const),
  );
  const indexTotal = perIndexKey.reduce((sum, [, bytes]) => sum + bytes, 0);
  const kib = (bytes: number) => Math.round(bytes).toLocaleString('en');

  console.log(`\n## Redis memory per document: ${count.toLocaleString('en')} documents of ${documentBytes} B, 3 indexed fields, a TTL\n`);
  console.log('| what | bytes per document |');
  console.log('|---|---:|');
  console.log(`| the document key (MEMORY USAGE) | ${kib(keyUsage)} |`);
  for (const [key, bytes] of perIndexKey) if (bytes > 0) console.log(`| \`${key.slice(prefix.length)}\` | ${kib(bytes)} |`);
  console.log(`| index entries in all | ${kib(indexTotal)} |`);
  console.log(`| used_memory growth / documents | ${kib((after - before) / count)} |`);
} finally {
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
