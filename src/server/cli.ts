import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import type { ModelDefinition } from '../model/define-model.js';
import { isGatewayError } from '../errors.js';
import type { Scope } from '../store/access.js';
import type { ApiKey, AuthOptions } from './authenticate.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './connect-redis.js';
import { createGateway } from './create-gateway.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, gracefulClose } from './graceful-close.js';
import { RedisServerMissingError, startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { limitFlagOptions, limitsFromFlags, UsageError, wholeNumberOf } from './limit-flags.js';
import { loadModels } from './load-models.js';
import { reindexModel } from '../store/indexes/reindex.js';

const USAGE = `Usage:
  redis-model-gateway serve   [--models file.ts] [--redis URL] [--port 4000] [--host 127.0.0.1] [--data-dir ./.data/redis]
                              [--write-token-file F | --write-token TOKEN] [--api-keys-file keys.json] [--anonymous read,...]
                              [--cors-origin https://app.example ...] [--production] [--introspection] [--suggestions] [--graphiql]
                              [--max-keys 1000] [--max-cost 5000] [--max-insert 1000] [--max-document-bytes 524288]
                              [--max-body-bytes 1000000] [--max-tokens 1000] [--max-depth 12] [--max-aliases 30]
                              [--max-directives 50] [--max-variables-depth 100] [--parse-cache-bytes 32000000] [--parse-cache-entries 1000]
                              [--max-finder-work 20000] [--max-where-depth 12] [--delete-step 500]
                              [--redis-timeout-ms 1000] [--shutdown-timeout-ms 10000] [--log-level info] [--metrics]
  redis-model-gateway reindex [--models file.ts] [--redis URL] [--model User] [--data-dir ./.data/redis] [--redis-timeout-ms 1000]

  --models              a TS or JS module exporting models (default: the demo shop in examples/shop.ts)
  --redis               Redis to use (default: $REDIS_URL; else the embedded redis-server of a running serve with
                        the same --data-dir; else an embedded redis-server of its own on a free port)
  --write-token-file    a file holding the write token, a key with every scope sent as "Authorization: Bearer TOKEN"
                        (default: $GATEWAY_WRITE_TOKEN_FILE; else $GATEWAY_WRITE_TOKEN)
  --write-token         the write token itself; it then shows in ps: prefer the file or the environment
  --api-keys-file       a JSON file: [{ "key" or "sha256", "scopes": ["read", "write", "lock", "admin"], "models"?: [...] }]
                        or { "apiKeys": [...], "anonymous": [...] } (default: $GATEWAY_API_KEYS_FILE)
  --anonymous           scopes of callers without a key once a key is configured, comma-separated (default: none)
                        With no key and no write token at all, everyone may do everything, and serve warns.
  --cors-origin         an origin whose pages may call the gateway from a browser; repeat for more (default: none)
  --production          no introspection, no "Did you mean" suggestions, no GraphiQL (default: NODE_ENV=production)
  --introspection, --suggestions, --graphiql
                        turn that one back on in production
  --max-*, --parse-cache-*, --delete-step
                        limits, defaults shown above; see docs/security.md. --max-finder-work bounds what one
                        finder page or delete step makes Redis do, as the script estimates it (about 50 ms at 100k
                        instances); --delete-step is how many instances one step of a delete by where deletes
  --redis-timeout-ms    a Redis command, connection attempt or /ready ping that takes longer fails; the
                        request answers 503 REDIS_UNAVAILABLE (default: ${DEFAULT_REDIS_TIMEOUT_MS})
  --shutdown-timeout-ms on SIGTERM or SIGINT, how long requests in flight may take to finish before they
                        are cut off and the gateway exits (default: ${DEFAULT_SHUTDOWN_TIMEOUT_MS})
  --log-level           fatal, error, warn, info, debug, trace or silent: JSON lines on stdout, one per request
                        with its id (default: info)
  --metrics             serve Prometheus metrics at /metrics on the same port (default: off; anyone who can reach
                        the port can read them)
  --model               reindex only this model (default: every model)

  If the embedded redis-server exits while serve runs, serve exits with code 1: let a supervisor
  restart it (two processes on one data dir must never run at once).`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const COMMON = {
  models: { type: 'string' },
  redis: { type: 'string' },
  'data-dir': { type: 'string', default: './.data/redis' },
  'redis-timeout-ms': { type: 'string', default: String(DEFAULT_REDIS_TIMEOUT_MS) },
} as const;

/** A flag that must be a whole number of milliseconds, at least 1. */
const milliseconds = (flag: string, value: string) => wholeNumberOf(flag, value, ' of milliseconds');

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

// examples/shop.ts beside src/, or dist/examples/shop.js beside dist/src/ in the built package.
const demoModels = () => fileURLToPath(new URL(`../../examples/shop${extname(import.meta.url)}`, import.meta.url));

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON,
      port: { type: 'string', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'write-token': { type: 'string' },
      'write-token-file': { type: 'string' },
      'api-keys-file': { type: 'string' },
      anonymous: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      production: { type: 'boolean' },
      introspection: { type: 'boolean' },
      suggestions: { type: 'boolean' },
      graphiql: { type: 'boolean' },
      ...limitFlagOptions,
      'shutdown-timeout-ms': { type: 'string', default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS) },
      'log-level': { type: 'string', default: 'info' },
      metrics: { type: 'boolean', default: false },
    },
  });
  const level = values['log-level'];
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level is "${level}"; it must be one of ${LOG_LEVELS.join(', ')}.`);
  const limits = limitsFromFlags(values);
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const shutdownTimeoutMs = milliseconds('shutdown-timeout-ms', values['shutdown-timeout-ms']);
  const models = await loadModels(values.models ?? demoModels());
  const credentials = await readCredentials(values);
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
  const gateway = createGateway({
    models,
    redis: url,
    ...credentials,
    cors: values['cors-origin'] ? { origins: values['cors-origin'] } : undefined,
    production: values.production,
    introspection: values.introspection,
    suggestions: values.suggestions,
    graphiql: values.graphiql,
    limits,
    redisTimeoutMs,
    logger: { level },
    metrics: values.metrics,
  });
  if (values['write-token'] !== undefined)
    console.warn(
      'warning: --write-token shows the token to anyone who can list processes; use --write-token-file or $GATEWAY_WRITE_TOKEN.',
    );
  for (const warning of [...gateway.warnings, ...(await gateway.checkRedis())]) console.warn(`warning: ${warning}`);
  const server = createServer(gateway.yoga);
  const closer = gracefulClose(server);
  server.listen(Number(values.port), values.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : values.port;
    console.log(`redis-model-gateway serving ${models.map((model) => model.name).join(', ')} at http://${values.host}:${port}/graphql`);
    if (values.metrics) console.log(`Prometheus metrics at http://${values.host}:${port}/metrics`);
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

/** The write token and API keys, from files or the environment so that they need not show in `ps`. */
async function readCredentials(values: {
  'write-token'?: string;
  'write-token-file'?: string;
  'api-keys-file'?: string;
  anonymous?: string;
}): Promise<{ writeToken?: string; auth: AuthOptions }> {
  const tokenFile = values['write-token-file'] ?? process.env.GATEWAY_WRITE_TOKEN_FILE;
  const writeToken = tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : values['write-token'];
  if (tokenFile && !writeToken) throw new UsageError(`The write token file ${tokenFile} is empty.`);
  const keysFile = values['api-keys-file'] ?? process.env.GATEWAY_API_KEYS_FILE;
  let auth: AuthOptions = {};
  if (keysFile) {
    const parsed = JSON.parse(await readFile(keysFile, 'utf8')) as unknown;
    auth = Array.isArray(parsed) ? { apiKeys: parsed as ApiKey[] } : (parsed as AuthOptions);
  }
  if (values.anonymous !== undefined) auth = { ...auth, anonymous: values.anonymous.split(',').filter(Boolean) as Scope[] };
  return { ...(writeToken ? { writeToken } : {}), auth };
}

async function reindex(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON, model: { type: 'string' } } });
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const all = await loadModels(values.models ?? demoModels());
  const chosen: ModelDefinition[] = values.model ? all.filter((model) => model.name === values.model) : all;
  if (chosen.length === 0)
    throw new UsageError(`No model named "${values.model}"; the models are ${all.map((model) => model.name).join(', ')}.`);
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
  // Errors of the operator's making say what to fix in their message: a stack trace would bury it.
  console.error(error instanceof RedisServerMissingError || error instanceof UsageError || isGatewayError(error) ? error.message : error);
  process.exit(1);
});
