/**
 * `npm run bench:finder-work`: calibrates `maxFinderWork`. Seeds 100,000 indexed instances into a private
 * redis-server, runs finder pages and delete steps of every shape with no limit, and prints, for each,
 * the script's own estimate of its work next to the time Redis itself spent in it (SLOWLOG, microseconds,
 * so client and network time are left out). Medians over rounds.
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

const ROUNDS = 5;
const COUNT = Number(process.env.COUNT ?? 100_000);
const Large = defineModel(
  'Large',
  z.object({ name: z.string(), age: z.int32(), score: z.number(), status: z.enum(['A', 'B', 'C', 'D', 'E']) }),
  { index: ['name', 'age', 'score', 'status'] },
);

async function seed(store: Store) {
  for (let from = 0; from < COUNT; from += 1000) {
    const drafts = [];
    for (let i = from; i < Math.min(COUNT, from + 1000); i++)
      drafts.push(
        Large.create({ name: `user-${(i * 7919) % COUNT}`, age: i % 100, score: (i * 104729) % 100_000, status: 'ABCDE'[i % 5] as 'A' }),
      );
    await store.insert(drafts);
  }
}

/** CPU microseconds of Redis's main thread so far (INFO cpu): unlike SLOWLOG's wall time, not inflated by other processes on a busy machine. */
async function cpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return Math.round((field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread')) * 1e6);
}

/** Redis's SLOWLOG figure (wall time) and its main thread's CPU time for one call, in microseconds. */
async function measure<T>(redis: Redis, call: () => Promise<T>): Promise<{ result: T; wall: number; cpu: number }> {
  await redis.slowlog('RESET');
  const before = await cpuMicros(redis);
  const result = await call();
  const cpu = (await cpuMicros(redis)) - before;
  const entries = (await redis.slowlog('GET', 10)) as Array<[number, number, number, string[]]>;
  const script = entries.find((entry) => ['evalsha', 'eval'].includes(String(entry[3][0]).toLowerCase()));
  return { result, wall: script ? Number(script[2]) : NaN, cpu };
}

const ne = (n: number) => ({ or: Array.from({ length: n }, (_, i) => ({ age: { ne: i } })) });
const queries: Array<[string, FindOptions]> = [
  ['no where, first 1000', { first: 1000 }],
  ['score range, all (age gte 0)', { where: { age: { gte: 0 } }, first: 1 }],
  ['score range 50% (age lt 50)', { where: { age: { lt: 50 } }, first: 1 }],
  ['lex range, all (name gte "")', { where: { name: { gte: '' } }, first: 1 }],
  ['lex range 50% (name lt "user-5")', { where: { name: { lt: 'user-5' } }, first: 1 }],
  ['not (not age eq 42)', { where: { not: { age: { eq: 42 } } }, first: 1 }],
  ['string ne (name ne user-1)', { where: { name: { ne: 'user-1' } }, first: 1 }],
  ['numeric ne (age ne 1)', { where: { age: { ne: 1 } }, first: 1 }],
  ['or of 2 ne', { where: ne(2), first: 1 }],
  ['and, checked member by member', { where: { and: [{ status: { eq: 'A' } }, { age: { gte: 0 } }, { score: { gte: 0 } }] }, first: 1 }],
  ['and of two lex ranges', { where: { and: [{ name: { gte: 'user-1' } }, { name: { lt: 'user-9' } }] }, first: 1 }],
  ['all, ordered by name, filtered (age gte 0)', { where: { age: { gte: 0 } }, orderBy: { field: 'name' }, first: 1 }],
  ['50%, ordered by score', { where: { age: { lt: 50 } }, orderBy: { field: 'score' }, first: 1 }],
  ['50%, totalCount', { where: { age: { lt: 50 } }, first: 1, withTotalCount: true }],
];

const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-finder-work-'));
const server = await startEmbeddedRedis({ dir, appendOnly: false });
const redis = new Redis(server.url);
try {
  const store = createStore({ redis, models: [Large], limits: { maxFinderWork: Number.MAX_SAFE_INTEGER } });
  await seed(store);
  await redis.config('SET', 'slowlog-log-slower-than', '0');
  console.log(
    `${COUNT} instances; ${ROUNDS} rounds, medians\n\n| query | estimated work | SLOWLOG µs | main-thread CPU µs | CPU µs per 1000 units |\n| --- | ---: | ---: | ---: | ---: |`,
  );
  let worst = 0;
  for (const [name, query] of queries) {
    const works: number[] = [];
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { result, wall, cpu } = await measure(redis, () => store.session().findModels(Large, query));
      works.push(result.work);
      walls.push(wall);
      cpus.push(cpu);
    }
    const perUnit = (median(cpus) / median(works)) * 1000;
    worst = Math.max(worst, perUnit);
    console.log(`| ${name} | ${median(works)} | ${median(walls)} | ${median(cpus)} | ${perUnit.toFixed(1)} |`);
  }
  // Delete steps last: each deletes `deleteStep` instances.
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const small = createStore({ redis, models: [Large], limits: { maxFinderWork: Number.MAX_SAFE_INTEGER, deleteStep: 1000 } });
    const { wall, cpu } = await measure(redis, () => small.session().deleteWhere(Large, { age: { eq: round } }));
    walls.push(wall);
    cpus.push(cpu);
  }
  console.log(`| one delete step of 1000 (age eq n) | - | ${median(walls)} | ${median(cpus)} | - |`);
  console.log(`\nworst µs per 1000 units: ${worst.toFixed(1)}; 50 ms is ${Math.floor(50_000 / (worst / 1000))} units`);
} finally {
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
