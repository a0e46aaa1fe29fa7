/**
 * `npm run bench:cpu`: the gateway's own layers against baseline (b), in one process, without HTTP
 * or a load generator: each system answers the same `nodes` request in turn, and the CPU time per
 * request is compared. Less disturbed by other processes than req/s on a shared 2-core machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createGateway } from '../src/index.js';
import { startEmbeddedRedis } from '../src/server/embedded-redis.js';
import { BenchItem, benchPk, benchValue, nodesBody } from './bench-model.js';
import { cpuPerRequest } from './cpu-per-request.js';
import { median } from './report.js';
import { createBareYoga } from './servers/bare-yoga-server.js';

const ROUNDS = 5;
const REQUESTS = 2000;

const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-cpu-'));
const server = await startEmbeddedRedis({ dir, appendOnly: false });
const gateway = createGateway({ models: [BenchItem], redis: server.url, logging: false, graphiql: false });
const redis = new Redis(server.url);
try {
  await gateway.store.insert(Array.from({ length: 100 }, (_, i) => BenchItem.create(benchValue(i), { pk: benchPk(i) })));
  const bare = createBareYoga(redis);
  console.log(`\n## nodes in-process: ${ROUNDS} interleaved rounds of ${REQUESTS} requests each, CPU µs per request (medians)\n`);
  console.log('| size | gateway µs/req | (b) µs/req | (b)/gateway |\n| ---: | ---: | ---: | ---: |');
  for (const size of [1, 10, 100]) {
    const body = nodesBody(size);
    await cpuPerRequest(gateway.yoga, body, REQUESTS / 2);
    await cpuPerRequest(bare, body, REQUESTS / 2);
    const gatewayRuns: number[] = [];
    const bareRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      gatewayRuns.push(await cpuPerRequest(gateway.yoga, body, REQUESTS));
      bareRuns.push(await cpuPerRequest(bare, body, REQUESTS));
    }
    console.log(
      `| ${size} | ${median(gatewayRuns).toFixed(0)} | ${median(bareRuns).toFixed(0)} | ${(median(bareRuns) / median(gatewayRuns)).toFixed(2)} |`,
    );
  }
} finally {
  await gateway.close();
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
