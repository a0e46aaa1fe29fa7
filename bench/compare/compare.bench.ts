import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/server/embedded-redis.js';
import { loadFromFlags, positiveInteger } from '../flags.js';
import { loadWarning, machineLine } from '../machine.js';
import { measure, REQUEST_HEADERS, type Sample } from '../measure.js';
import { randomNodesBodies } from '../random-bodies.js';
import { seedBenchItems } from '../seed.js';
import { forkServer, type ChildServer } from '../spawn-server.js';
import { verifySameAnswers, type Target } from '../verify.js';
import { checkOut, defaultRef, git, workingTree, type Tree } from './check-out.js';
import { formatCpuTable, formatHttpTable, worstRatio, type Paired } from './compare-table.js';
import { compareInProcess, loadGateway, type InProcessGateway } from './in-process-compare.js';

/*
 * `npm run bench:compare [-- --ref <git ref>] [options]`: the `nodes` hot path of the gateway of the working
 * tree (the head) against the gateway of an earlier commit (the ref), in one run, on one seeded private
 * redis-server. The ref is checked out into a temporary git worktree; each gateway runs that tree's own
 * createGateway in a child process of its own (gateway-child.ts), with the tree's defaults.
 *
 * Every request asks for a different random set of keys, sent as a variable, like a real client. Rounds
 * interleave the two sides and alternate which goes first (ref, head | head, ref | ...), so that a slow
 * patch of the shared machine, or the order itself, hits both alike; the table reports medians over rounds.
 */
const USAGE = `Usage: npm run bench:compare -- [--ref <git ref>] [--head <git ref>] [options]

  --ref           the commit to compare against (default: the merge-base of HEAD with origin/main, else
                  with main; when HEAD is on main, HEAD~1, its first parent)
  --head          measure this commit instead of the working tree (checked out the same way)
  --rounds 6      interleaved rounds, at least 5; medians over them
  --duration 5    seconds measured per side, size and round (after --warmup 2 seconds, dropped)
  --connections 32, --sizes 1,10,100 (keys per request), --seed 10000 (items stored), --bodies 1000
                  (distinct random key sets per size)
  --variants http,cpu   over HTTP in child processes, and/or in-process CPU per request (--cpu-requests 2000)
  --min-ratio 0.97      the req/s ratio head/ref the report checks every size against
  --token T       sent as "Authorization: Bearer T" and given to both gateways as their write token
                  (default: $BENCH_TOKEN); for a gateway that wants a key for reads`;

const { values: flags } = parseArgs({
  options: {
    help: { type: 'boolean', default: false },
    ref: { type: 'string' },
    head: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    sizes: { type: 'string', default: '1,10,100' },
    seed: { type: 'string', default: '10000' },
    bodies: { type: 'string', default: '1000' },
    variants: { type: 'string', default: 'http,cpu' },
    'cpu-requests': { type: 'string', default: '2000' },
    'min-ratio': { type: 'string', default: '0.97' },
    token: { type: 'string' },
  },
});

if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const rounds = positiveInteger('rounds', flags.rounds);
if (rounds < 5) throw new Error(`--rounds must be at least 5, so that a median stands on enough rounds; got ${rounds}.`);
const load = loadFromFlags(flags);
const seedCount = positiveInteger('seed', flags.seed);
const bodyCount = positiveInteger('bodies', flags.bodies);
const cpuRequests = positiveInteger('cpu-requests', flags['cpu-requests']);
const sizes = flags.sizes.split(',').map((size) => positiveInteger('sizes', size));
if (Math.max(...sizes) > seedCount)
  throw new Error(`--sizes asks for up to ${Math.max(...sizes)} keys but --seed stores ${seedCount}; raise --seed.`);
const variants = new Set(flags.variants.split(','));
for (const variant of variants)
  if (variant !== 'http' && variant !== 'cpu') throw new Error(`--variants takes a list of http, cpu; got "${variant}".`);
const minRatio = Number(flags['min-ratio']);
if (!(minRatio > 0)) throw new Error(`--min-ratio must be a number above zero; got "${flags['min-ratio']}".`);
// A token, where the gateways need one: sent with every request, and given to each gateway as its write token.
const token = flags.token ?? process.env.BENCH_TOKEN;
const headers: Record<string, string> = token ? { ...REQUEST_HEADERS, authorization: `Bearer ${token}` } : REQUEST_HEADERS;

const root = git(process.cwd(), 'rev-parse', '--show-toplevel');
const { ref, why } = flags.ref ? { ref: flags.ref, why: 'given by --ref' } : defaultRef(root);
const loadBefore = loadavg();
const warning = loadWarning(loadBefore);
if (warning) log(warning);

const trees: Partial<Record<'ref' | 'head', Tree>> = {};
const servers: ChildServer[] = [];
const inProcess: InProcessGateway[] = [];
let redis: EmbeddedRedis | undefined;
let redisDir: string | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await Promise.allSettled(inProcess.map((gateway) => gateway.close()));
    await Promise.allSettled(Object.values(trees).map((tree) => tree.remove()));
    await redis?.stop();
    if (redisDir) await rm(redisDir, { recursive: true, force: true });
  })());
// Interrupted: still remove the temporary worktrees and stop the children.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

try {
  trees.ref = await checkOut(root, ref, log);
  trees.head = flags.head ? await checkOut(root, flags.head, log) : workingTree(root);
  const sides = { ref: trees.ref, head: trees.head };
  log(`ref: ${sides.ref.label}, ${why}\nhead: ${sides.head.label}`);

  redisDir = await mkdtemp(join(tmpdir(), 'rmg-bench-redis-'));
  redis = await startEmbeddedRedis({ dir: redisDir, appendOnly: false });
  await seedBenchItems(redis.url, seedCount);
  const bodies = new Map(sizes.map((size) => [size, randomNodesBodies(size, seedCount, bodyCount)]));
  const firstBodies = (sample: number) => (size: number) => bodies.get(size)?.[sample] ?? '';

  console.log(
    `\n# nodes: head against ref\n\n- ref: ${sides.ref.label}, ${why}\n- head: ${sides.head.label}\n- ${seedCount} items of a 7-field model without TTL; each request asks for a different random set of keys (${bodyCount} distinct bodies per size, keys as a variable)`,
  );

  if (variants.has('http')) {
    const refServer = await spawnGateway(sides.ref, redis.url);
    servers.push(refServer);
    const gateways = { ref: refServer, head: await spawnGateway(sides.head, redis.url) };
    servers.push(gateways.head);
    const targets: Target[] = [
      { label: 'ref', url: gateways.ref.url },
      { label: 'head', url: gateways.head.url },
    ];
    // Equal work, or no comparison: both must answer the very same bytes, every key found.
    for (const sample of [0, 1, 2]) await verifySameAnswers(targets, sizes, firstBodies(sample), headers);
    const samples = new Map(sizes.map((size): [number, Paired<Sample>] => [size, { ref: [], head: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const [i, size] of sizes.entries()) {
        const order = (round + i) % 2 === 0 ? (['ref', 'head'] as const) : (['head', 'ref'] as const);
        for (const side of order) {
          const sample = await measure(gateways[side], bodies.get(size) ?? [], load, headers);
          samples.get(size)?.[side].push(sample);
          log(
            `round ${round + 1}/${rounds}, ${size} keys, ${side}: ${Math.round(sample.requestsPerSecond)} req/s, p99 ${sample.p99Ms} ms, ${Math.round(sample.cpuMicrosPerRequest)} µs CPU/req`,
          );
        }
      }
    }
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    const worst = worstRatio(samples);
    console.log(
      `\n## Over HTTP: ${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s measured, ${rounds} interleaved rounds, medians\n`,
    );
    console.log(formatHttpTable(samples, minRatio));
    console.log(
      `\nreq/s ratio head/ref at or above ${minRatio} for every size: ${worst >= minRatio ? 'yes' : 'no'} (lowest ${worst.toFixed(2)}).`,
    );
  }

  if (variants.has('cpu')) {
    const refGateway = await loadGateway(sides.ref, redis.url, token);
    inProcess.push(refGateway);
    const gateways = { ref: refGateway, head: await loadGateway(sides.head, redis.url, token) };
    inProcess.push(gateways.head);
    const targets: Target[] = (['ref', 'head'] as const).map((side) => ({
      label: `${side} (in-process)`,
      url: 'http://bench/graphql',
      fetch: (url, init) => gateways[side].app.fetch(url, init),
    }));
    await verifySameAnswers(targets, sizes, firstBodies(0), headers);
    const samples = await compareInProcess(gateways, bodies, { rounds, requests: cpuRequests, headers }, log);
    console.log(
      `\n## In-process: ${rounds} interleaved rounds of ${cpuRequests} sequential requests, CPU µs per request (medians); logging and GraphiQL off\n`,
    );
    console.log(formatCpuTable(samples));
  }

  console.log(`\nCommand: ${commandLine()}`);
  console.log(machineLine(loadBefore));
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  await cleanUp();
}

/** A tree's gateway-child.ts, run by that tree's own tsx, from its root, so that its own packages resolve. */
function spawnGateway(tree: Tree, redisUrl: string): Promise<ChildServer> {
  return forkServer(tree.label, join(tree.root, 'bench/compare/gateway-child.ts'), [redisUrl], {
    execArgv: ['--import', 'tsx'],
    cwd: tree.root,
    env: { ...process.env, ...(token ? { BENCH_TOKEN: token } : {}) },
    // As serve would, the gateway may log every request: measured, but not shown.
    stdout: 'ignore',
  });
}

/** Progress goes to stderr, so that stdout holds only the report. */
function log(message: string) {
  console.error(message);
}

function commandLine() {
  const args = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event) return `npm run ${process.env.npm_lifecycle_event}${args ? ` -- ${args}` : ''}`;
  return `tsx bench/compare/compare.bench.ts ${args}`.trimEnd();
}
