import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { benchKey } from './bench-model.js';
import { loadFromFlags, positiveInteger } from './flags.js';
import { loadWarning, machineLine } from './machine.js';
import { measure, type Sample } from './measure.js';
import { rssBytesOf } from './proc-stats.js';
import { formatShapesTable, formatTable, type Samples } from './report.js';
import { randomKeySets } from './random-bodies.js';
import { seedBenchItems } from './seed.js';
import {
  BenchShapeItem,
  isShapeId,
  SHAPE_IDS,
  SHAPE_LABELS,
  shapeBodies,
  isCompleteAnswer,
  expectedAnswer,
  type ShapeId,
} from './shapes-model.js';
import { REQUEST_HEADERS } from './measure.js';
import {
  ALL_NODES_SYSTEM_IDS,
  isNodesSystemId,
  labelOf,
  NODES_SYSTEM_IDS,
  startNodesServer,
  workloadLabel,
  type NodesServer,
  type NodesSystemId,
  type Workload,
} from './nodes-systems.js';
import { verifySameAnswers, verifySameNodeAnswers } from './verify.js';
import { verifyWebdisAnswer } from './verify-webdis.js';

/*
 * `npm run bench:nodes [-- options]`: the gateway's `nodes` query (at each of --sizes) and `node(key)`
 * query against bare baselines doing the same work (webdis, when installed, doing less: it returns the
 * stored strings, for `nodes` only), then two shapes only the gateway serves (--shapes: a finder page, a
 * withLock), in one run, on a private redis-server. The composition root: every step lives in its own file.
 *
 * The gateway is `redis-model-gateway serve` as an operator starts it: the bin, which runs dist/ (built
 * here first, from the sources as they are), with the CLI's defaults and --serve-args appended (with an
 * equals sign, as the value starts with a dash: --serve-args="--workers 2"). Its CPU time and memory, like
 * every system's, are those of its whole process tree. `--systems handler` adds createGateway's handler
 * in a child process, run from the sources. --no-node leaves out the node(key) row.
 *
 * Each system runs in a process of its own and autocannon runs here, so on a 2-core machine the
 * load generator and the server under test do not share an event loop; the idle servers cost nothing.
 * Rounds interleave the systems (round 1: every system for each query, then the shapes; round 2: ...) so that a slow
 * patch of the machine hits all of them alike, and the table reports medians over rounds.
 */
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    sizes: { type: 'string', default: '1,10,100' },
    systems: { type: 'string', default: NODES_SYSTEM_IDS.join(',') },
    seed: { type: 'string', default: '1000' },
    bodies: { type: 'string', default: '1000' },
    shapes: { type: 'string', default: SHAPE_IDS.join(',') },
    'no-node': { type: 'boolean', default: false },
    'serve-args': { type: 'string', default: '' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

const rounds = positiveInteger('rounds', flags.rounds);
const load = loadFromFlags(flags);
const seedCount = positiveInteger('seed', flags.seed);
const bodyCount = positiveInteger('bodies', flags.bodies);
const sizes = flags.sizes.split(',').map((size) => positiveInteger('sizes', size));
const systems = flags.systems.split(',').map((system) => {
  if (!isNodesSystemId(system)) throw new Error(`--systems takes a list of ${ALL_NODES_SYSTEM_IDS.join(', ')}; got "${system}".`);
  return system;
});
const shapes = flags.shapes
  .split(',')
  .filter((shape) => shape !== '')
  .map((shape) => {
    if (!isShapeId(shape)) throw new Error(`--shapes takes a list of ${SHAPE_IDS.join(', ')} (or nothing); got "${shape}".`);
    return shape;
  });
// Split on spaces: serve's flags take no value with a space in it that a benchmark would need.
const serveArgs = flags['serve-args'].split(/\s+/).filter((arg) => arg !== '');
const workloads: Workload[] = [
  ...sizes.map((size): Workload => ({ query: 'nodes', size })),
  ...(flags['no-node'] ? [] : [{ query: 'node' } as const]),
];
if (Math.max(...sizes) > seedCount)
  throw new Error(`--sizes asks for up to ${Math.max(...sizes)} keys but --seed stores ${seedCount}; raise --seed.`);

const redisDir = await mkdtemp(join(tmpdir(), 'rmg-bench-redis-'));
const cpuProfDir = flags['cpu-prof'] ? await mkdtemp(join(tmpdir(), 'rmg-bench-prof-')) : undefined;
const loadBefore = loadavg();
const warning = loadWarning(loadBefore);
if (warning) log(warning);
let redis: EmbeddedRedis | undefined;
const servers: NodesServer[] = [];
try {
  if (systems.includes('gateway')) {
    // serve runs the build, as the bin does: build it from the sources as they are, so that it is their gateway that is measured.
    log('Building dist/ for serve (npm run build) ...');
    execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  redis = await startEmbeddedRedis({ dir: redisDir, appendOnly: false });
  await seedBenchItems(redis.url, seedCount);
  if (shapes.length > 0) await seedBenchItems(redis.url, seedCount, 1000, BenchShapeItem);
  for (const system of systems) {
    const server = await startNodesServer(system, redis.url, { cpuProfDir, serveArgs });
    if (server) servers.push(server);
    else log('webdis is not installed (apt-get install webdis): the run goes on without it.');
  }
  const graphqlServers = servers.filter((server) => server.system !== 'webdis');
  const bytes = await verifySameAnswers(
    graphqlServers.map((server) => ({ label: labelOf(server.system), url: server.requestFor(1).url })),
    sizes,
  );
  log(
    `The GraphQL systems answer the same bytes for ${sizes.join(', ')} keys (${sizes.map((size) => `${bytes.get(size)} B`).join(', ')}).`,
  );
  if (!flags['no-node']) {
    const nodeBytes = await verifySameNodeAnswers(
      graphqlServers.map((server) => ({ label: labelOf(server.system), url: server.requestFor(1).url })),
      benchKey(0),
    );
    log(`The GraphQL systems answer the same bytes for node(key) (${nodeBytes} B).`);
  }
  const webdis = servers.find((server) => server.system === 'webdis');
  const [reference] = graphqlServers;
  if (webdis && reference) {
    const webdisBytes = await Promise.all(
      sizes.map((size) => verifyWebdisAnswer(webdis.requestFor(size), reference.requestFor(size), keysOf(size))),
    );
    log(`webdis stores and returns the same documents (${webdisBytes.map((size) => `${size} B`).join(', ')}).`);
  }

  const gateway = servers.find((server) => server.system === 'gateway');
  const shapeRuns = gateway ? shapes.map((shape) => ({ shape, bodies: shapeBodies(shape, seedCount), samples: [] as Sample[] })) : [];
  if (gateway) for (const { shape, bodies } of shapeRuns) await verifyShape(gateway.requestFor(1).url, shape, bodies[0] ?? '');
  else if (shapes.length > 0) log("The finder and withLock shapes are the gateway's alone: without it in --systems, they are left out.");

  // Every request asks for another set of keys (node(key): another key), as a variable, like a real client; every system gets the same sets.
  const rows = workloads.map((workload) => {
    const keySets = randomKeySets(workload.query === 'nodes' ? workload.size : 1, seedCount, bodyCount);
    const loads = servers.flatMap((server) => {
      const serverLoad = server.loadFor(workload, keySets);
      return serverLoad ? [{ server, load: serverLoad }] : [];
    });
    return { label: workloadLabel(workload), loads };
  });
  const samples: Samples = new Map(
    rows.map(({ label, loads }) => [label, new Map(loads.map(({ server }): [NodesSystemId, Sample[]] => [server.system, []]))]),
  );
  for (let round = 1; round <= rounds; round++) {
    for (const { label, loads } of rows) {
      for (const {
        server,
        load: { url, method, bodies, paths },
      } of loads) {
        const sample = await measure({ url, method, paths, cpuMicros: () => server.cpuMicros() }, bodies, load);
        samples.get(label)?.get(server.system)?.push(sample);
        log(
          `round ${round}/${rounds}, ${label}, ${labelOf(server.system)}: ${Math.round(sample.requestsPerSecond)} req/s, p99 ${sample.p99Ms} ms, ${Math.round(sample.cpuMicrosPerRequest)} µs CPU/req`,
        );
      }
    }
    for (const { shape, bodies, samples: shapeSamples } of shapeRuns) {
      if (!gateway) break;
      const sample = await measure(
        { url: gateway.requestFor(1).url, expectBody: expectedAnswer(shape), cpuMicros: () => gateway.cpuMicros() },
        bodies,
        load,
      );
      shapeSamples.push(sample);
      log(
        `round ${round}/${rounds}, gateway, ${SHAPE_LABELS[shape]}: ${Math.round(sample.requestsPerSecond)} req/s, p99 ${sample.p99Ms} ms, ${Math.round(sample.cpuMicrosPerRequest)} µs CPU/req`,
      );
    }
  }

  // After the last round, before stopping: what each server's process tree holds once it has served every query.
  const rssBytes = new Map(await Promise.all(servers.map(async (server) => [server.system, await rssBytesOf(server.pid)] as const)));
  console.log(
    `\n## nodes: ${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s measured, ${rounds} rounds, ${seedCount} items of a 7-field model without TTL; every request asks for another of ${bodyCount} random key sets per row; the gateway is \`redis-model-gateway serve${serveArgs.length > 0 ? ` ${serveArgs.join(' ')}` : ''}\`\n`,
  );
  console.log(formatTable(samples, rssBytes));
  if (shapeRuns.length > 0) {
    console.log('\n### The gateway alone: shapes the baselines do not serve\n');
    console.log(formatShapesTable(shapeRuns.map(({ shape, samples: shapeSamples }) => [SHAPE_LABELS[shape], shapeSamples])));
  }
  console.log(`\nCommand: ${commandLine()}`);
  console.log(machineLine(loadBefore));
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  await Promise.allSettled(servers.map((server) => server.stop()));
  await redis?.stop();
  await rm(redisDir, { recursive: true, force: true });
  if (cpuProfDir) log(`CPU profiles of the server processes (open in Chrome DevTools or speedscope): ${cpuProfDir}`);
}

/** One request before timing: the shape must do its whole work, or the run would measure errors. */
async function verifyShape(url: string, shape: ShapeId, body: string) {
  const response = await fetch(url, { method: 'POST', headers: REQUEST_HEADERS, body });
  const text = await response.text();
  if (response.status !== 200 || !isCompleteAnswer(shape, JSON.parse(text)))
    throw new Error(`The gateway's answer to ${SHAPE_LABELS[shape]} is not complete (HTTP ${response.status}): ${text.slice(0, 400)}`);
}

function keysOf(size: number) {
  return Array.from({ length: size }, (_, i) => benchKey(i));
}

/** Progress goes to stderr, so that stdout holds only the report. */
function log(message: string) {
  console.error(message);
}

function commandLine() {
  // Quoted where a value holds a space (--serve-args), so that the line can be pasted back.
  const args = process.argv
    .slice(2)
    .map((arg) => (/\s/.test(arg) ? `'${arg}'` : arg))
    .join(' ');
  if (process.env.npm_lifecycle_event === 'bench')
    return `npm run bench:nodes${args ? ` -- ${args}` : ''}  (${process.env.npm_lifecycle_script})`;
  return `tsx bench/nodes.bench.ts ${args}`.trimEnd();
}
