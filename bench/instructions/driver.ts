import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REQUEST_HEADERS } from '../measure.js';
import { randomNodesBodies } from '../random-bodies.js';

/*
 * One side of `npm run bench:instructions`, run under callgrind with instrumentation off. The gateway of
 * the tree at argv[0], configured as `serve` configures it (the tree's own defaults, logging included),
 * answers `nodes` requests of random keys in-process (yoga.fetch), one after another:
 *   1. `warmup` requests, then "ready" on stderr; it waits for the file <signals>.go
 *      (meanwhile the caller turns callgrind's instrumentation on);
 *   2. `count` requests, the measured ones, then "done"; it waits for <signals>.stop
 *      (meanwhile the caller turns instrumentation off);
 *   3. it closes the gateway and exits; callgrind writes what it counted in step 2.
 * The waits and the two lines take code paths of their own (a synchronous sleep, a bare write), not the
 * event emitters and streams the requests use: a signal listener there can make V8 drop optimized code of the
 * hot path, and the measured requests paid for compiling it again. (A full GC before counting, with
 * --expose-gc, made it worse: half of the counted instructions went to compiling again what it dropped.)
 * argv: <tree root> <redis url> <size> <warmup> <count> <seeded items> <signals>.
 */
const [root, redisUrl, sizeText, warmupText, countText, seededText, signals] = process.argv.slice(2);
const [size, warmup, count, seeded] = [sizeText, warmupText, countText, seededText].map(Number);
if (!root || !redisUrl || !size || !warmup || !count || !seeded || !signals)
  throw new Error('driver.ts expects <tree root> <redis url> <size> <warmup> <count> <seeded items> <signals>.');

const load = (file: string) => import(pathToFileURL(join(root, file)).href);
const { createGateway } = (await load('src/index.ts')) as typeof import('../../src/index.js');
const { BenchItem } = (await load('bench/bench-model.ts')) as typeof import('../bench-model.js');
const token = process.env.BENCH_TOKEN;
// --log-level of the bench: how much of the difference is the per-request log line (a tree without a
// logger option ignores it).
const logLevel = process.env.BENCH_LOG_LEVEL;
// A command timeout (where the tree has one) far above what a request takes even under callgrind on a busy
// machine: the timer is still armed for every command, as with the default, but never fires.
const gateway = createGateway({
  models: [BenchItem],
  redis: redisUrl,
  redisTimeoutMs: 600_000,
  ...(token ? { writeToken: token } : {}),
  ...(logLevel ? { logger: { level: logLevel } } : {}),
});
const headers: Record<string, string> = token ? { ...REQUEST_HEADERS, authorization: `Bearer ${token}` } : REQUEST_HEADERS;
const bodies = randomNodesBodies(size, seeded, 200);
await gateway.redis.ping();

let sent = 0;
async function requests(n: number) {
  for (let i = 0; i < n; i++, sent++) {
    const response = await gateway.yoga.fetch('http://bench/graphql', { method: 'POST', headers, body: bodies[sent % bodies.length] });
    // A refused request costs less than an answered one: it would flatter the side that refuses.
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 400)}`);
    await response.text();
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
function waitForFile(path: string) {
  while (!existsSync(path)) Atomics.wait(pause, 0, 0, 50);
}

await requests(warmup);
writeSync(2, 'ready\n');
waitForFile(`${signals}.go`);
await requests(count);
writeSync(2, 'done\n');
waitForFile(`${signals}.stop`);
await gateway.close();
