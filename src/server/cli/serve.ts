import cluster from 'node:cluster';
import { rm, writeFile } from 'node:fs/promises';
import type { EmbeddedRedis } from '../embedded-redis.js';
import { CliError } from './cli-error.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { HttpFront, PreparedFront } from './http-front.js';
import { startOwnRedis, takeDataDir, targetOf, urlFile } from './redis-source.js';
import { serveFlags } from './serve-flags.js';
import { readServeSettings } from './serve-options.js';
import { Teardown } from './teardown.js';

/**
 * `serve`: everything that can be checked is checked first (flags, models, credentials, gateway
 * options), then the data directory is locked and the port bound, and only then does redis-server
 * start. Whatever fails, or a signal during startup, undoes what was started, in reverse order.
 * With --workers above 1, this process is the primary: it does all of that and serves too, beside
 * forked workers that check the models and answer HTTP (workers.ts); a worker runs worker.ts instead.
 */
export async function serve(argv: string[]): Promise<void> {
  if (cluster.isWorker) return (await import('./worker.js')).serveWorker(argv);
  const flags = serveFlags(argv);
  const { values, host, dataDir, shutdownTimeoutMs, workers, redis: given } = flags;
  const settings = await readServeSettings(flags);

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
    // Each process that will serve checks the models and the gateway options first, before anything is locked or bound.
    const preparing: PreparedFront = await (
      workers === 1
        ? import('./in-process-front.js').then(({ prepareInProcess }) => prepareInProcess(flags, settings, teardown))
        : import('./workers.js').then(({ prepareWithWorkers }) => prepareWithWorkers(workers, flags, settings, teardown))
    ).catch((error: unknown) => {
      // Workers still loading end at a Ctrl-C to the process group: say it was the signal.
      stillStarting();
      throw error;
    });
    // Runs last, for a front never bound; once bound, the front closes before the data directory is unlocked.
    teardown.add(() => preparing.close());
    stillStarting();
    // The lock before the port, so that a second serve on the directory names the first rather than its port.
    if (!given) lock = await takeDataDir(dataDir, 'serve', teardown);
    const front: HttpFront = await preparing.bind();
    teardown.add(() => front.close());
    stillStarting();
    const url = `http://${host}:${front.port}/graphql`;
    if (lock) embedded = await startOwnRedis(dataDir, lock, teardown);
    stillStarting();
    const redis = given ? targetOf(given) : (embedded as EmbeddedRedis).url;

    if (values['write-token'] !== undefined)
      console.warn(
        'warning: --write-token shows the token to anyone who can list processes; use --write-token-file or $GATEWAY_WRITE_TOKEN.',
      );
    const report = await front.serve(redis);
    for (const warning of report.warnings) console.warn(`warning: ${warning}`);
    if (embedded && lock) {
      await writeFile(urlFile(dataDir), embedded.url);
      teardown.add(() => rm(urlFile(dataDir), { force: true }));
      await lock.update({ url });
    }
    stillStarting();
    console.log(`redis-model-gateway serving ${report.models.join(', ')} at ${url}`);
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
