import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import type { ModelDefinition } from '../model/define-model.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './connect-redis.js';
import { createGateway } from './create-gateway.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, gracefulClose } from './graceful-close.js';
import { RedisServerMissingError, startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { loadModels } from './load-models.js';
import { reindexModel } from '../store/indexes/reindex.js';

const USAGE = `Usage:
  redis-model-gateway serve   [--models file.ts] [--redis URL] [--port 4000] [--host 127.0.0.1] [--write-token TOKEN] [--data-dir ./.data/redis]
                              [--redis-timeout-ms 1000] [--shutdown-timeout-ms 10000]
  redis-model-gateway reindex [--models file.ts] [--redis URL] [--model User] [--data-dir ./.data/redis] [--redis-timeout-ms 1000]

  --models       a TS or JS module exporting models (default: the demo shop in examples/shop.ts)
  --redis        Redis to use (default: $REDIS_URL; else the embedded redis-server of a running serve with
                 the same --data-dir; else an embedded redis-server of its own on a free port)
  --write-token  mutations then need "Authorization: Bearer TOKEN" (default: $GATEWAY_WRITE_TOKEN)
  --redis-timeout-ms     a Redis command, connection attempt or /ready ping that takes longer fails; the
                         request answers 503 REDIS_UNAVAILABLE (default: ${DEFAULT_REDIS_TIMEOUT_MS})
  --shutdown-timeout-ms  on SIGTERM or SIGINT, how long requests in flight may take to finish before they
                         are cut off and the gateway exits (default: ${DEFAULT_SHUTDOWN_TIMEOUT_MS})
  --model        reindex only this model (default: every model)

  If the embedded redis-server exits while serve runs, serve exits with code 1: let a supervisor
  restart it (two processes on one data dir must never run at once).`;

const COMMON = {
  models: { type: 'string' },
  redis: { type: 'string' },
  'data-dir': { type: 'string', default: './.data/redis' },
  'redis-timeout-ms': { type: 'string', default: String(DEFAULT_REDIS_TIMEOUT_MS) },
} as const;

/** A flag that must be a whole number of milliseconds, at least 1. */
function milliseconds(flag: string, value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1)
    throw new UsageError(`--${flag} is "${value}"; it must be a whole number of milliseconds, at least 1.`);
  return ms;
}

class UsageError extends Error {
  override name = 'UsageError';
}

/** The running serve's embedded Redis is announced here, so that reindex uses it instead of starting a second one on the same files. */
const urlFile = (dataDir: string) => join(dataDir, 'gateway-redis.url');

interface Connection {
  url: string;
  embedded?: EmbeddedRedis;
}

async function connect(given: string | undefined, dataDir: string, reuseRunning: boolean): Promise<Connection> {
  const url = given ?? process.env.REDIS_URL;
  if (url) return { url };
  if (reuseRunning) {
    const running = await readFile(urlFile(dataDir), 'utf8').catch(() => null);
    if (running) return { url: running.trim() };
  }
  const embedded = await startEmbeddedRedis({ dir: dataDir });
  console.log(`embedded redis-server on ${embedded.url}, data in ${dataDir}`);
  return { url: embedded.url, embedded };
}

const demoModels = () => new URL('../../examples/shop.ts', import.meta.url).pathname;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON,
      port: { type: 'string', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'write-token': { type: 'string' },
      'shutdown-timeout-ms': { type: 'string', default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS) },
    },
  });
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const shutdownTimeoutMs = milliseconds('shutdown-timeout-ms', values['shutdown-timeout-ms']);
  const models = await loadModels(values.models ?? demoModels());
  const { url, embedded } = await connect(values.redis, values['data-dir'], false);
  if (embedded) await writeFile(urlFile(values['data-dir']), url);
  let stopping = false;
  // Restarting redis-server here could put two of them on one data dir (if the old one is only hung),
  // the one failure to avoid: exit instead, and let the supervisor start gateway and Redis afresh.
  embedded?.onUnexpectedExit(({ code, signal }) => {
    if (stopping) return;
    console.error(
      `redis-model-gateway: the embedded redis-server (pid ${embedded.pid}, ${url}) exited unexpectedly (${signal ?? `code ${code}`}); exiting with code 1 so that a supervisor restarts the gateway.`,
    );
    void rm(urlFile(values['data-dir']), { force: true }).finally(() => process.exit(1));
  });
  const gateway = createGateway({ models, redis: url, writeToken: values['write-token'], redisTimeoutMs });
  for (const warning of await gateway.checkRedis()) console.warn(`warning: ${warning}`);
  const server = createServer(gateway.yoga);
  const closer = gracefulClose(server);
  server.listen(Number(values.port), values.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : values.port;
    console.log(`redis-model-gateway serving ${models.map((model) => model.name).join(', ')} at http://${values.host}:${port}/graphql`);
  });

  // Stop accepting, let the requests in flight finish (they still need Redis), then close Redis and exit.
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const inFlight = closer.inFlight();
    const closed = closer.close(shutdownTimeoutMs);
    // Printed once the port is closed, so that whoever reads it may rely on it.
    console.log(`${signal}: no longer accepting requests; waiting up to ${shutdownTimeoutMs} ms for ${inFlight} in flight`);
    const cutOff = await closed;
    if (cutOff > 0) console.warn(`warning: ${cutOff} requests were still running after ${shutdownTimeoutMs} ms and were cut off`);
    await gateway.close();
    if (embedded) {
      await rm(urlFile(values['data-dir']), { force: true });
      await embedded.stop();
    }
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function reindex(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON, model: { type: 'string' } } });
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const all = await loadModels(values.models ?? demoModels());
  const chosen: ModelDefinition[] = values.model ? all.filter((model) => model.name === values.model) : all;
  if (chosen.length === 0)
    throw new Error(`No model named "${values.model}"; the models are ${all.map((model) => model.name).join(', ')}.`);
  const { url, embedded } = await connect(values.redis, values['data-dir'], true);
  const gateway = createGateway({ models: all, redis: url, logging: false, redisTimeoutMs });
  try {
    for (const model of chosen) {
      const bar = new SingleBar(
        { format: `${model.name.padEnd(12)} [{bar}] {value}/{total} documents`, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(0, 0);
      const result = await reindexModel(gateway.redis, gateway.store.scripts, model, ({ done, total }) => {
        bar.setTotal(total);
        bar.update(done);
      });
      bar.stop();
      console.log(`${model.name}: ${result.indexed} indexed, ${result.corrupt} corrupt left out, ${result.removed} stale entries removed`);
    }
  } finally {
    await gateway.close();
    await embedded?.stop();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'serve') return serve(rest);
  if (command === 'reindex') return reindex(rest);
  console.log(USAGE);
  process.exitCode = command === undefined || command === '--help' ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof RedisServerMissingError || error instanceof UsageError ? error.message : error);
  process.exit(1);
});
