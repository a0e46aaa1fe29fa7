import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/server/embedded-redis.js';
import { checkOut, defaultRef, git, workingTree, type Tree } from '../compare/check-out.js';
import { positiveInteger } from '../flags.js';
import { seedBenchItems } from '../seed.js';
import { callgrindRun, type Counts } from './callgrind-run.js';

/*
 * `npm run bench:instructions [-- --ref <git ref>]`: the `nodes` hot path of the working tree against an
 * earlier commit, in machine instructions per request counted by valgrind's callgrind: unlike req/s or
 * CPU time, a count does not move when other processes share the machine. Each side runs its own
 * createGateway (with its own defaults, logging included) in-process, answers --warmup requests
 * uncounted, then --requests counted ones (see driver.ts). Valgrind slows node down about 50 times:
 * a run takes minutes. Sides and sizes run --parallel at a time: counts do not depend on timing.
 */
const USAGE = `Usage: npm run bench:instructions -- [--ref <git ref>] [--head <git ref>] [options]

  --ref         the commit to compare against (default as bench:compare: the merge-base with main)
  --head        measure this commit instead of the working tree
  --sizes 1,10,100   keys per request;  --seed 10000 items stored
  --warmup 5000      requests before counting (the JIT settles);  --requests 2000 counted
  --parallel 3       valgrind runs at a time
  --token T          as for bench:compare
  --log-level L      the gateways' log level (default: each tree's own, one line per request at info);
                     warn leaves out the request log line, to see what the rest of the path costs`;

const { values: flags } = parseArgs({
  options: {
    help: { type: 'boolean', default: false },
    ref: { type: 'string' },
    head: { type: 'string' },
    sizes: { type: 'string', default: '1,10,100' },
    seed: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '5000' },
    requests: { type: 'string', default: '2000' },
    parallel: { type: 'string', default: '3' },
    token: { type: 'string' },
    'log-level': { type: 'string' },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const sizes = flags.sizes.split(',').map((size) => positiveInteger('sizes', size));
const seeded = positiveInteger('seed', flags.seed);
const warmup = positiveInteger('warmup', flags.warmup);
const requests = positiveInteger('requests', flags.requests);
const parallel = positiveInteger('parallel', flags.parallel);
const token = flags.token ?? process.env.BENCH_TOKEN;
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error('bench:instructions needs valgrind (with callgrind_control and callgrind_annotate) on PATH: apt-get install valgrind.');
}

const root = git(process.cwd(), 'rev-parse', '--show-toplevel');
const { ref, why } = flags.ref ? { ref: flags.ref, why: 'given by --ref' } : defaultRef(root);
const trees: Partial<Record<'ref' | 'head', Tree>> = {};
let redis: EmbeddedRedis | undefined;
const dirs: string[] = [];
try {
  trees.ref = await checkOut(root, ref, log);
  trees.head = flags.head ? await checkOut(root, flags.head, log) : workingTree(root);
  const sides = { ref: trees.ref, head: trees.head };
  const redisDir = await mkdtemp(join(tmpdir(), 'rmg-bench-redis-'));
  const outDir = await mkdtemp(join(tmpdir(), 'rmg-bench-callgrind-'));
  dirs.push(redisDir);
  redis = await startEmbeddedRedis({ dir: redisDir, appendOnly: false });
  await seedBenchItems(redis.url, seeded);
  const env = {
    ...process.env,
    ...(token ? { BENCH_TOKEN: token } : {}),
    ...(flags['log-level'] ? { BENCH_LOG_LEVEL: flags['log-level'] } : {}),
  };

  const jobs = sizes.flatMap((size) =>
    (['ref', 'head'] as const).map((side) => ({ size, side, outFile: join(outDir, `callgrind.${side}.${size}.out`) })),
  );
  const counts = new Map<string, Counts>();
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { size, side, outFile } = job;
        const url = redis?.url ?? '';
        const result = await callgrindRun({ root: sides[side].root, redisUrl: url, size, warmup, requests, seeded, outFile, env });
        counts.set(`${side}.${size}`, result);
        log(`${side}, ${size} keys: ${Math.round(result.total / requests)} instructions a request (${outFile})`);
      }
    }),
  );

  const per = (value: number) => Math.round(value / requests).toLocaleString('en');
  const ratio = (a: number, b: number) => (a / b).toFixed(3);
  console.log(
    `\n# nodes: instructions per request, head against ref\n\n- ref: ${sides.ref.label}, ${why}\n- head: ${sides.head.label}\n- ${seeded} items; each request asks for random keys (as a variable); ${warmup} requests uncounted, then ${requests} counted, in-process, under callgrind (node --single-threaded)\n- "without compiler": less what V8's optimizing compiler still spent (one-off work a longer warm-up moves earlier); "and GC": less the garbage collector too, whose share moves most from run to run\n`,
  );
  console.log(
    '| size | ref instr/req | head instr/req | ratio ref/head | ref GC share | head GC share | ratio without compiler | ratio without compiler and GC |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const size of sizes) {
    const a = counts.get(`ref.${size}`);
    const b = counts.get(`head.${size}`);
    if (!a || !b) continue;
    console.log(
      `| ${size} | ${per(a.total)} | ${per(b.total)} | ${ratio(a.total, b.total)} | ${((100 * a.gc) / a.total).toFixed(0)}% | ${((100 * b.gc) / b.total).toFixed(0)}% | ${ratio(a.total - a.compiler, b.total - b.compiler)} | ${ratio(a.total - a.compiler - a.gc, b.total - b.compiler - b.gc)} |`,
    );
  }
  console.log('\nA ratio above 1 means the head runs fewer instructions a request.');
} finally {
  await redis?.stop();
  await Promise.allSettled(Object.values(trees).map((tree) => tree.remove()));
  await Promise.allSettled(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Progress goes to stderr, so that stdout holds only the report. */
function log(message: string) {
  console.error(message);
}
