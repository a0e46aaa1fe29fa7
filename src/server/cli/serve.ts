import { rm, writeFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { checkSetup } from '../../store/indexes/check-setup.js';
import { createGateway, type GatewayOptions } from '../create-gateway.js';
import type { EmbeddedRedis } from '../embedded-redis.js';
import { gracefulClose } from '../graceful-close.js';
import { checkGatewayOptions } from './check-gateway-options.js';
import { chooseModels, loadCheckedModels } from './choose-models.js';
import { CliError } from './cli-error.js';
import { readCredentials } from './credentials.js';
import type { DataDirLock } from './data-dir-lock.js';
import { listen } from './listen.js';
import { callerNodeEnv } from './node-env.js';
import { givenRedis, startOwnRedis, takeDataDir, urlFile } from './redis-source.js';
import { serveFlags } from './serve-flags.js';
import { suggestReindex } from './suggest-reindex.js';
import { Teardown } from './teardown.js';

/**
 * `serve`: everything that can be checked is checked first (flags, models, credentials, gateway
 * options), then the data directory is locked and the port bound, and only then does redis-server
 * start. Whatever fails, or a signal during startup, undoes what was started, in reverse order.
 */
export async function serve(argv: string[]): Promise<void> {
  const { values, level, port, host, dataDir, limits, redisTimeoutMs, shutdownTimeoutMs } = serveFlags(argv);
  const models = chooseModels(values.models, 'serve');
  const { registry } = await loadCheckedModels(models);
  const credentials = await readCredentials(values);
  const given = givenRedis(values.redis);
  const gatewayOptions = (redis: string | Redis): GatewayOptions => ({
    models: registry,
    redis,
    ...credentials,
    cors: values['cors-origin'] ? { origins: values['cors-origin'] } : undefined,
    // Not NODE_ENV, which the CLI itself defaults to production for speed (node-env.ts).
    production: values.production ?? callerNodeEnv === 'production',
    introspection: values.introspection,
    suggestions: values.suggestions,
    graphiql: values.graphiql,
    relay: values.relay,
    limits,
    redisTimeoutMs,
    logger: { level },
    accessLog: values['access-log'],
    metrics: values.metrics,
  });
  checkGatewayOptions(gatewayOptions);

  const teardown = new Teardown();
  let ready = false;
  let stopping: NodeJS.Signals | null = null;
  const stillStarting = () => {
    if (stopping) throw new CliError(`stopped by ${stopping} before serving.`, 'What it had started is stopped; nothing is left running.');
  };
  let shutdown = async (_signal: NodeJS.Signals) => {};
  const onSignal = (signal: NodeJS.Signals) => {
    if (ready) void shutdown(signal);
    else stopping ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let embedded: EmbeddedRedis | undefined;
  let lock: DataDirLock | undefined;
  try {
    // The lock first, so that a second serve on the directory names the first rather than its port.
    if (!given) lock = await takeDataDir(dataDir, 'serve', teardown);
    const listening = await listen(port, host);
    teardown.add(() => listening.close());
    stillStarting();
    const url = `http://${host}:${listening.port}/graphql`;
    if (lock) embedded = await startOwnRedis(dataDir, lock, teardown);
    stillStarting();
    const redisUrl = given?.url ?? (embedded as EmbeddedRedis).url;

    const gateway = createGateway(gatewayOptions(redisUrl));
    teardown.add(() => gateway.close());
    if (values['write-token'] !== undefined)
      console.warn(
        'warning: --write-token shows the token to anyone who can list processes; use --write-token-file or $GATEWAY_WRITE_TOKEN.',
      );
    const reindexCommand = suggestReindex(models, given, dataDir);
    const found = await checkSetup(gateway.redis, gateway.registry, { reindexCommand }).catch((error: Error) => {
      throw new CliError(
        `Redis at ${gateway.redis.options.host}:${gateway.redis.options.port} did not answer: ${error.message}`,
        'Check --redis (or $REDIS_URL), or leave both out for an embedded redis-server.',
        1,
        { cause: error },
      );
    });
    for (const warning of [...gateway.warnings, ...found]) console.warn(`warning: ${warning}`);
    stillStarting();

    const closer = gracefulClose(listening.server);
    listening.serve(gateway.handler);
    if (embedded && lock) {
      await writeFile(urlFile(dataDir), embedded.url);
      teardown.add(() => rm(urlFile(dataDir), { force: true }));
      await lock.update({ url });
    }
    stillStarting();
    console.log(`redis-model-gateway serving ${registry.models.map((model) => model.name).join(', ')} at ${url}`);
    if (values.metrics) console.log(`Prometheus metrics at ${url.replace(/\/graphql$/, '/metrics')}`);

    // Stop accepting, let the requests in flight finish (they still need Redis), then undo the rest and exit.
    shutdown = async (signal) => {
      if (stopping) return;
      stopping = signal;
      const inFlight = closer.inFlight();
      const closed = closer.close(shutdownTimeoutMs);
      // Printed once the port is closed, so that whoever reads it may rely on it.
      console.log(`${signal}: no longer accepting requests; waiting up to ${shutdownTimeoutMs} ms for ${inFlight} in flight`);
      const cutOff = await closed;
      if (cutOff > 0) console.warn(`warning: ${cutOff} requests were still running after ${shutdownTimeoutMs} ms and were cut off`);
      await teardown.run();
      process.exit(0);
    };
    // Restarting redis-server here could put two of them on one data dir (if the old one is only hung),
    // the one failure to avoid: exit instead, and let the supervisor start gateway and Redis afresh.
    const running = embedded;
    running?.onUnexpectedExit(({ code, signal }) => {
      if (stopping) return;
      stopping = 'SIGTERM';
      console.error(
        `error: the embedded redis-server (pid ${running.pid}, ${running.url}) exited unexpectedly (${signal ?? `code ${code}`}); exiting with code 1 so that a supervisor restarts the gateway.`,
      );
      void teardown.run().finally(() => process.exit(1));
    });
    ready = true;
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
