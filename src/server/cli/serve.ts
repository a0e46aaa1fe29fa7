import cluster from 'node:cluster';
import { rm, writeFile } from 'node:fs/promises';
import { checkSetup } from '../../store/indexes/check-setup.js';
import { createGateway } from '../create-gateway.js';
import type { EmbeddedRedis } from '../embedded-redis.js';
import { checkGatewayOptions } from './check-gateway-options.js';
import { chooseModels, loadCheckedModels } from './choose-models.js';
import { CliError } from './cli-error.js';
import { readCredentials } from './credentials.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { HttpFront } from './http-front.js';
import { inProcessFront } from './in-process-front.js';
import { callerNodeEnv } from './node-env.js';
import { givenRedis, startOwnRedis, takeDataDir, urlFile } from './redis-source.js';
import { serveFlags } from './serve-flags.js';
import { gatewayOptionsOf, type ServeSettings } from './serve-options.js';
import { suggestReindex } from './suggest-reindex.js';
import { Teardown } from './teardown.js';
import { serveWorker } from './worker.js';
import { forkWorkers } from './workers.js';

/**
 * `serve`: everything that can be checked is checked first (flags, models, credentials, gateway
 * options), then the data directory is locked and the port bound, and only then does redis-server
 * start. Whatever fails, or a signal during startup, undoes what was started, in reverse order.
 * With --workers above 1, this process is the primary: it does all of that, and forked workers answer
 * HTTP (workers.ts); a worker runs worker.ts instead.
 */
export async function serve(argv: string[]): Promise<void> {
  if (cluster.isWorker) return serveWorker(argv);
  const flags = serveFlags(argv);
  const { values, port, host, dataDir, shutdownTimeoutMs, workers } = flags;
  const models = chooseModels(values.models, 'serve');
  const { registry } = await loadCheckedModels(models);
  const settings: ServeSettings = {
    credentials: await readCredentials(values),
    // Not NODE_ENV, which the CLI itself defaults to production for speed (node-env.ts).
    production: values.production ?? callerNodeEnv === 'production',
  };
  const given = givenRedis(values.redis);
  const gatewayOptions = gatewayOptionsOf(flags, registry, settings);
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
    const front: HttpFront = workers === 1 ? await inProcessFront(port, host) : await forkWorkers(workers);
    teardown.add(() => front.close());
    stillStarting();
    const url = `http://${host}:${front.port}/graphql`;
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

    await front.serve({ gateway, redisUrl, settings });
    // Each worker has a gateway of its own: this one only ran the checks.
    if (workers > 1) await gateway.close();
    if (embedded && lock) {
      await writeFile(urlFile(dataDir), embedded.url);
      teardown.add(() => rm(urlFile(dataDir), { force: true }));
      await lock.update({ url });
    }
    stillStarting();
    console.log(`redis-model-gateway serving ${registry.models.map((model) => model.name).join(', ')} at ${url}`);
    if (values.metrics) console.log(`Prometheus metrics at ${url.replace(/\/graphql$/, '/metrics')}`);

    // Stop accepting, let the requests in flight finish (they still need Redis), then undo the rest and exit.
    const stopServing = async (why: string, exitCode: number) => {
      const { inFlight, cutOff } = await front.drain(shutdownTimeoutMs);
      // Printed once the port is closed, so that whoever reads it may rely on it.
      console.log(`${why}: no longer accepting requests; waiting up to ${shutdownTimeoutMs} ms for ${inFlight} in flight`);
      const cut = await cutOff;
      if (cut > 0) console.warn(`warning: ${cut} requests were still running after ${shutdownTimeoutMs} ms and were cut off`);
      await teardown.run();
      process.exit(exitCode);
    };
    shutdown = async (signal) => {
      if (stopping) return;
      stopping = signal;
      await stopServing(signal, 0);
    };
    // The other workers finish their requests first: they are sound, and Redis still runs.
    front.onUnexpectedExit((what) => {
      if (stopping) return;
      stopping = 'SIGTERM';
      console.error(`error: ${what}; exiting with code 1 so that a supervisor restarts the gateway.`);
      void stopServing('a worker exited', 1);
    });
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
