import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { createStore } from '../../src/index.js';
import { clusterKeyspace } from '../../src/store/keyspace.js';
import { newPks } from '../../src/store/new-pks.js';
import { startEmbeddedRedis } from '../../src/server/embedded-redis.js';
import { encodeDocument } from '../../src/model/document-codec.js';
import { startRedisCluster } from '../../test/helpers/redis-cluster.js';
import { benchKey, benchValue } from '../bench-model.js';
import { loadFromFlags, positiveInteger } from '../flags.js';
import { loadWarning, machineLine } from '../machine.js';
import { measure, type Sample } from '../measure.js';
import { randomNodesBodies } from '../random-bodies.js';
import { median } from '../report.js';
import { seedBenchItems } from '../seed.js';
import { BenchShapeItem, isCompleteAnswer, SHAPE_LABELS, shapeBodies } from '../shapes-model.js';
import { forkServer, type ChildServer } from '../spawn-server.js';
import { verifySameAnswers } from '../verify.js';

/*
 * `npm run bench:cluster [-- options]`: the gateway's `nodes` query on a Redis Cluster of 3 primaries
 * (each with a replica) against the same gateway on one redis-server, in one run, every request a
 * different random key set. Both Redis deployments run here, on loopback, like the gateways: on a
 * machine of few cores the cluster's three primaries share them, so read the ratios, not the figures.
 * Rounds interleave the two sides (alternating which goes first); the table reports medians.
 *
 * Beside `nodes`, a finder's first page (bench:nodes's finder shape). Its items get pks as the gateway
 * makes them on a cluster, ten documents a call (so a few hundred of the 1024 slots generated pks use),
 * and are stored alike on one redis-server, so that both sides answer the same page.
 */
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    // A cluster's finder page is slow enough that 32 at once queue past the gateway's Redis timeout.
    'finder-connections': { type: 'string', default: '4' },
    sizes: { type: 'string', default: '1,100' },
    seed: { type: 'string', default: '10000' },
    bodies: { type: 'string', default: '1000' },
  },
});
const rounds = positiveInteger('rounds', flags.rounds);
const load = loadFromFlags(flags);
const finderLoad = { ...load, connections: positiveInteger('finder-connections', flags['finder-connections']) };
const sizes = flags.sizes.split(',').map((size) => positiveInteger('sizes', size));
const seedCount = positiveInteger('seed', flags.seed);
const bodyCount = positiveInteger('bodies', flags.bodies);
const CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));
const log = (line: string) => console.error(`[bench:cluster] ${line}`);

const loadBefore = loadavg();
const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-cluster-'));
const redis = await startEmbeddedRedis({ dir, appendOnly: false });
const cluster = await startRedisCluster();
const sides: Array<{ label: string; server: ChildServer; samples: Map<number, Sample[]> }> = [];
try {
  await seedBenchItems(redis.url, seedCount);
  // The documents as the store writes them; the cluster client routes each SET to its slot's primary.
  const client = new Cluster(cluster.nodes);
  for (let start = 0; start < seedCount; start += 1000)
    await Promise.all(
      Array.from({ length: Math.min(1000, seedCount - start) }, (_, j) =>
        client.set(benchKey(start + j), encodeDocument(benchValue(start + j))),
      ),
    );
  const single = new Redis(redis.url);
  const onOne = createStore({ redis: single, models: [BenchShapeItem] });
  const onCluster = createStore({ redis: client, models: [BenchShapeItem] });
  const calls = Array.from({ length: Math.ceil(seedCount / 10) }, (_, call) => {
    const pk = newPks(clusterKeyspace);
    const indexes = Array.from({ length: Math.min(10, seedCount - call * 10) }, (_, j) => call * 10 + j);
    return indexes.map((i) => BenchShapeItem.create(benchValue(i), { pk: pk() }));
  });
  for (let start = 0; start < calls.length; start += 50)
    await Promise.all(calls.slice(start, start + 50).flatMap((drafts) => [onOne.insert(drafts), onCluster.insert(drafts)]));
  await Promise.all([client.quit(), single.quit()]);

  const execArgv = ['--import', import.meta.resolve('tsx')];
  const addresses = cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  for (const [label, args] of [
    ['one redis-server', ['redis', redis.url]],
    ['cluster, 3 primaries', ['cluster', addresses]],
  ] as const)
    sides.push({ label, server: await forkServer(label, CHILD, [...args], { execArgv, stdout: 'ignore' }), samples: new Map() });

  // The same bytes from both, every key found, before anything is timed.
  await verifySameAnswers(
    sides.map(({ label, server }) => ({ label, url: server.url })),
    sizes,
    (size) => randomNodesBodies(size, seedCount, 1, 99)[0] ?? '',
  );
  const finderBodies = shapeBodies('finder', 1);
  const pages = await Promise.all(
    sides.map(({ server }) =>
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: finderBodies[0] }).then((r) => r.text()),
    ),
  );
  if (!isCompleteAnswer('finder', JSON.parse(pages[0] ?? '{}')) || pages[1] !== pages[0])
    throw new Error(`The finder page differs between the sides, or is not a full page:
${pages.join('\nvs\n').slice(0, 800)}`);
  /** The finder's samples sit under this size. */
  const FINDER = 0;
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const size of [...sizes, FINDER]) {
      const bodies = size === FINDER ? finderBodies : randomNodesBodies(size, seedCount, bodyCount);
      for (const { label, server, samples } of order) {
        const sample = await measure({ url: server.url, cpuMicros: () => server.cpuMicros() }, bodies, size === FINDER ? finderLoad : load);
        samples.set(size, [...(samples.get(size) ?? []), sample]);
        log(
          `round ${round}/${rounds}, ${queryLabel(size)}, ${label}: ${Math.round(sample.requestsPerSecond)} req/s, p99 ${sample.p99Ms} ms, ${Math.round(sample.cpuMicrosPerRequest)} µs gateway CPU/req`,
        );
      }
    }
  }

  console.log(
    `\n## nodes and a finder page on a Redis Cluster against one redis-server: ${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s measured, ${rounds} interleaved rounds, ${seedCount} items, a random key set per request\n`,
  );
  console.log('| query | Redis | req/s (median) | × one redis-server | p99 ms (median) | gateway CPU µs/req (median) | req/s by round |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const size of [...sizes, FINDER]) {
    const base = median((sides[0]?.samples.get(size) ?? []).map((sample) => sample.requestsPerSecond));
    for (const { label, samples } of sides) {
      const runs = samples.get(size) ?? [];
      const rps = median(runs.map((sample) => sample.requestsPerSecond));
      console.log(
        `| ${queryLabel(size)} | ${label} | ${Math.round(rps)} | ${(rps / base).toFixed(2)} | ${median(runs.map((sample) => sample.p99Ms)).toFixed(0)} | ${Math.round(median(runs.map((sample) => sample.cpuMicrosPerRequest)))} | ${runs.map((sample) => Math.round(sample.requestsPerSecond)).join(', ')} |`,
      );
    }
  }
  console.log(`\n${machineLine(loadBefore)}`);
  const warning = loadWarning(loadBefore);
  if (warning) console.log(warning);
} finally {
  await Promise.all(sides.map(({ server }) => server.stop()));
  await cluster.stop();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
}

/** How a row names its query: `nodes(N)`, or the finder page (size 0). */
function queryLabel(size: number): string {
  return size === 0 ? `${SHAPE_LABELS.finder} (${finderLoad.connections} connections)` : `nodes(${size})`;
}
