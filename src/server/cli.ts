import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import type { ModelDefinition } from '../model/define-model.js';
import { createGateway } from './create-gateway.js';
import { RedisServerMissingError, startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { loadModels } from './load-models.js';
import { reindexModel } from '../store/indexes/reindex.js';

const USAGE = `Usage:
  redis-model-gateway serve   [--models file.ts] [--redis URL] [--port 4000] [--host 127.0.0.1] [--write-token TOKEN] [--data-dir ./.data/redis]
                              [--log-level info] [--metrics]
  redis-model-gateway reindex [--models file.ts] [--redis URL] [--model User] [--data-dir ./.data/redis]

  --models       a TS or JS module exporting models (default: the demo shop in examples/shop.ts)
  --redis        Redis to use (default: $REDIS_URL; else the embedded redis-server of a running serve with
                 the same --data-dir; else an embedded redis-server of its own on a free port)
  --write-token  mutations then need "Authorization: Bearer TOKEN" (default: $GATEWAY_WRITE_TOKEN)
  --log-level    fatal, error, warn, info, debug, trace or silent: JSON lines on stdout, one per request
                 with its id (default: info)
  --metrics      serve Prometheus metrics at /metrics on the same port (default: off; anyone who can reach
                 the port can read them)
  --model        reindex only this model (default: every model)`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const COMMON = {
  models: { type: 'string' },
  redis: { type: 'string' },
  'data-dir': { type: 'string', default: './.data/redis' },
} as const;

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
      'log-level': { type: 'string', default: 'info' },
      metrics: { type: 'boolean', default: false },
    },
  });
  const level = values['log-level'];
  if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level is "${level}"; it must be one of ${LOG_LEVELS.join(', ')}.`);
  const models = await loadModels(values.models ?? demoModels());
  const { url, embedded } = await connect(values.redis, values['data-dir'], false);
  if (embedded) await writeFile(urlFile(values['data-dir']), url);
  const gateway = createGateway({
    models,
    redis: url,
    writeToken: values['write-token'],
    logger: { level },
    metrics: values.metrics,
  });
  for (const warning of await gateway.checkRedis()) console.warn(`warning: ${warning}`);
  const server = createServer(gateway.yoga);
  server.listen(Number(values.port), values.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : values.port;
    console.log(`redis-model-gateway serving ${models.map((model) => model.name).join(', ')} at http://${values.host}:${port}/graphql`);
    if (values.metrics) console.log(`Prometheus metrics at http://${values.host}:${port}/metrics`);
  });

  const shutdown = async () => {
    server.close();
    await gateway.close();
    if (embedded) {
      await rm(urlFile(values['data-dir']), { force: true });
      await embedded.stop();
    }
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function reindex(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON, model: { type: 'string' } } });
  const all = await loadModels(values.models ?? demoModels());
  const chosen: ModelDefinition[] = values.model ? all.filter((model) => model.name === values.model) : all;
  if (chosen.length === 0)
    throw new Error(`No model named "${values.model}"; the models are ${all.map((model) => model.name).join(', ')}.`);
  const { url, embedded } = await connect(values.redis, values['data-dir'], true);
  const gateway = createGateway({ models: all, redis: url, logging: false });
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
  console.error(error instanceof RedisServerMissingError ? error.message : error);
  process.exit(1);
});
