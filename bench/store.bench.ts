/**
 * `npm run bench:store`: the lock and finder paths through the TypeScript store, in-process, against a
 * private redis-server. Each scenario runs interleaved with its baseline in every round; medians over
 * rounds. Round trips are counted on the client: the number a query costs, whatever Redis does inside.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createStore, defineModel, type Store } from '../src/index.js';
import { startEmbeddedRedis } from '../src/server/embedded-redis.js';
import type { FindOptions } from '../src/store/indexes/find-models.js';
import { median } from './report.js';

const ROUNDS = 3;
const shape = z.object({
  name: z.string(),
  age: z.int32(),
  score: z.number(),
  status: z.enum(['A', 'B', 'C', 'D', 'E']),
  balance: z.int(),
});
const options = { index: ['name', 'age', 'score', 'status'] as const };
const Account = defineModel('Account', shape, { index: [] });
const Small = defineModel('Small', shape, { index: [...options.index] });
const Large = defineModel('Large', shape, { index: [...options.index] });

let roundTrips = 0;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;

/** Milliseconds of each of `count` sequential calls. */
async function timed(count: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i);
    times.push(performance.now() - start);
  }
  return times;
}

async function seed(store: Store, model: typeof Small, count: number) {
  for (let from = 0; from < count; from += 1000) {
    const drafts = [];
    for (let i = from; i < Math.min(count, from + 1000); i++) {
      drafts.push(
        model.create({
          name: `user-${(i * 7919) % count}`,
          age: i % 100,
          score: (i * 104729) % 100_000,
          status: 'ABCDE'[i % 5] as 'A',
          balance: 100,
        }),
      );
    }
    await store.insert(drafts);
  }
}

async function lockBench(store: Store) {
  await store.insert([Account.create({ name: 'hot', age: 1, score: 0, status: 'A', balance: 1e12 }, { pk: 'hot' })]);
  const rows = new Map<string, { opsPerSecond: number[]; p50: number[]; p99: number[] }>();
  const record = (name: string, opsPerSecond: number, times: number[]) => {
    const row = rows.get(name) ?? { opsPerSecond: [], p50: [], p99: [] };
    row.opsPerSecond.push(opsPerSecond);
    row.p50.push(percentile(times, 0.5));
    row.p99.push(percentile(times, 0.99));
    rows.set(name, row);
  };
  const session = () => store.session();
  for (let round = 0; round < ROUNDS; round++) {
    const n = 500;
    let start = performance.now();
    let times = await timed(n, (i) =>
      store.insert([Account.create({ name: `a${i}`, age: 1, score: 0, status: 'A', balance: 1 }, { pk: `a${i}` })]),
    );
    record('insertMany of one model (baseline)', n / ((performance.now() - start) / 1000), times);
    start = performance.now();
    times = await timed(n, () => session().withLock('Account:hot', 'bench', { update: { inc: { balance: -1 } } }));
    record('withLock, uncontended (inc)', n / ((performance.now() - start) / 1000), times);
    start = performance.now();
    const callerTimes: number[] = [];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        callerTimes.push(
          ...(await timed(10, () => session().withLock('Account:hot', 'bench', { update: { inc: { balance: -1 } }, timeoutMs: 60_000 }))),
        );
      }),
    );
    record('withLock, 32 callers on one key', 320 / ((performance.now() - start) / 1000), callerTimes);
  }
  const baseline = median(rows.get('insertMany of one model (baseline)')?.opsPerSecond ?? []);
  console.log('\n| scenario | ops/s (median) | p50 ms | p99 ms | ops/s vs insertMany |\n| --- | ---: | ---: | ---: | ---: |');
  for (const [name, row] of rows) {
    const ops = median(row.opsPerSecond);
    console.log(
      `| ${name} | ${Math.round(ops)} | ${median(row.p50).toFixed(2)} | ${median(row.p99).toFixed(2)} | ${(ops / baseline).toFixed(2)} |`,
    );
  }
}

async function finderBench(store: Store) {
  const cursorAt = async (model: typeof Small, position: number) => {
    // The cursor of the item at `position` in pk order, found by paging with the largest pages.
    let after: string | null = null;
    for (let seen = 0; seen < position; seen += 1000) {
      const page = await store.session().findModels(model, { first: Math.min(1000, position - seen), after });
      after = page.pageInfo.endCursor;
    }
    return after;
  };
  const queries: Array<[string, (model: typeof Small) => Promise<FindOptions>]> = [
    ['allX(first: 50)', async () => ({})],
    ['page at position 5,000 (after)', async (model) => ({ after: await cursorAt(model, 5000) })],
    ['equality, 1% (age eq 42)', async () => ({ where: { age: { eq: 42 } } })],
    ['range, 1% (score in [0, 1000))', async () => ({ where: { score: { gte: 0, lt: 1000 } } })],
    ['string equality (name eq user-42)', async () => ({ where: { name: { eq: 'user-42' } } })],
    ['and (age eq 42 and status eq C)', async () => ({ where: { and: [{ age: { eq: 42 } }, { status: { eq: 'C' } }] } })],
    ['or (age eq 42 or age eq 43)', async () => ({ where: { or: [{ age: { eq: 42 } }, { age: { eq: 43 } }] } })],
    ['not (not age eq 42)', async () => ({ where: { not: { age: { eq: 42 } } } })],
    ['equality + totalCount', async () => ({ where: { age: { eq: 42 } }, withTotalCount: true })],
    ['no where + totalCount', async () => ({ withTotalCount: true })],
    ['equality, ordered by name', async () => ({ where: { age: { eq: 42 } }, orderBy: { field: 'name' } })],
    ['no where, ordered by score', async () => ({ orderBy: { field: 'score' } })],
  ];
  const results = new Map<string, Map<string, number[]>>();
  const trips = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, build] of queries) {
      for (const model of [Small, Large]) {
        const query = await build(model);
        const before = roundTrips;
        await store.session().findModels(model, { first: 50, ...query });
        trips.set(name, roundTrips - before);
        const times = await timed(100, () => store.session().findModels(model, { first: 50, ...query }));
        const byModel = results.get(name) ?? new Map<string, number[]>();
        byModel.set(`${model.name} p50`, [...(byModel.get(`${model.name} p50`) ?? []), percentile(times, 0.5)]);
        byModel.set(`${model.name} p99`, [...(byModel.get(`${model.name} p99`) ?? []), percentile(times, 0.99)]);
        results.set(name, byModel);
      }
    }
  }
  console.log(
    '\n| first page of 50 | round trips | 10k: p50 ms | 10k: p99 ms | 100k: p50 ms | 100k: p99 ms | 100k/10k (p50) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, byModel] of results) {
    const m = (key: string) => median(byModel.get(key) ?? []);
    console.log(
      `| ${name} | ${trips.get(name)} | ${m('Small p50').toFixed(2)} | ${m('Small p99').toFixed(2)} | ${m('Large p50').toFixed(2)} | ${m('Large p99').toFixed(2)} | ${(m('Large p50') / m('Small p50')).toFixed(1)} |`,
    );
  }
}

const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-store-'));
const server = await startEmbeddedRedis({ dir, appendOnly: false });
const redis = new Redis(server.url);
const send = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<typeof send>) => {
  roundTrips += 1;
  return send(...args);
}) as typeof redis.sendCommand;
try {
  const store = createStore({
    redis,
    models: [Account, Small, Large],
    limits: { maxInsert: 1000, maxFinderWork: Number.MAX_SAFE_INTEGER },
  });
  console.log(
    `node ${process.version}, ${(await import('node:os')).cpus().length} cores, redis ${/redis_version:(\S+)/.exec(await redis.info('server'))?.[1]}; ${ROUNDS} rounds, medians`,
  );
  await lockBench(store);
  const seedStart = performance.now();
  await seed(store, Small, 10_000);
  await seed(store, Large, 100_000);
  console.log(`\nseeded 110,000 indexed instances in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (insert batches of 1000)`);
  await finderBench(store);
} finally {
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
