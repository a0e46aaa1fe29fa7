import cluster, { type Worker } from 'node:cluster';
import { CliError } from './cli-error.js';
import { SERVING_HEAP_FLAGS } from './serving-heap.js';
import type { HttpFront, PreparedFront } from './http-front.js';
import type { ServeSettings } from './serve-options.js';
import type { FromWorker, ToWorker, WorkerFailure } from './worker-messages.js';

/** How long a worker told to close may take before it is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

const exitOf = (worker: Worker) => {
  const { exitCode, signalCode } = worker.process;
  return signalCode ?? `code ${exitCode}`;
};

function errorOf(failure: WorkerFailure): Error {
  const error = failure.known ? new CliError(failure.message, failure.hint, failure.exitCode) : new Error(failure.message);
  // What --debug prints: the worker's error whole, not the one rebuilt here.
  error.stack = failure.detail;
  return error;
}

/** A worker as the primary talks to it. */
class WorkerLink {
  readonly exited: Promise<void>;

  constructor(readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.worker.process.pid as number;
  }

  isDead(): boolean {
    return this.worker.isDead();
  }

  send(message: ToWorker): void {
    if (this.worker.isConnected()) this.worker.send(message);
  }

  /** The worker's next message of this type; rejects if it reports a failure or exits first. */
  next<T extends FromWorker['type']>(type: T, awaited: string): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const gone = () =>
        reject(
          new CliError(
            `a worker (pid ${this.pid}) exited (${exitOf(this.worker)}) before it ${awaited}.`,
            'Run again with --workers 1 to see what fails in a single process.',
          ),
        );
      if (this.isDead()) return gone();
      const onMessage = (message: FromWorker) => {
        if (message.type !== type && message.type !== 'failed') return;
        this.worker.off('message', onMessage);
        this.worker.off('exit', gone);
        if (message.type === 'failed') reject(errorOf(message.failure));
        else resolve(message as Extract<FromWorker, { type: T }>);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', gone);
    });
  }

  async close(): Promise<void> {
    if (this.isDead()) return;
    this.send({ type: 'close' });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (!this.isDead()) this.worker.process.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * `serve --workers N`: N processes forked with node:cluster answer HTTP, while this one (the primary)
 * holds the data directory, runs the embedded redis-server and reports to the operator; it loads neither
 * models nor GraphQL, so that it costs the memory of a bare Node process. The cluster
 * shares one listening socket among the workers and hands them connections in turn (round-robin; port
 * 0 gives them all the same port). Each worker loads and checks the models, then binds once told to
 * (after the primary has locked the data directory) and before Redis starts,
 * answers 503 until told the Redis URL, then builds a gateway of its own (see worker.ts); the first
 * runs the startup checks before any serves.
 *
 * A worker that dies while serving is not restarted: serve stops and exits 1, as a single process
 * would on the same crash, so that a supervisor starts it afresh and no crash loop hides behind it.
 */
export async function forkWorkers(count: number, settings: ServeSettings): Promise<PreparedFront> {
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...SERVING_HEAP_FLAGS] });
  const links = Array.from({ length: count }, () => new WorkerLink(cluster.fork()));
  let stopping = false;
  let exitListener: ((what: string) => void) | undefined;
  let earlyExit: string | undefined;
  for (const link of links)
    void link.exited.then(() => {
      if (stopping) return;
      const what = `a worker (pid ${link.pid}) exited unexpectedly (${exitOf(link.worker)})`;
      if (exitListener) exitListener(what);
      else earlyExit ??= what;
    });
  const live = () => links.filter((link) => !link.isDead());
  const close = async () => {
    stopping = true;
    await Promise.all(links.map((link) => link.close()));
  };
  const bind = async (): Promise<HttpFront> => {
    const listening = links.map((link) => link.next('listening', 'bound the port'));
    for (const link of links) link.send({ type: 'listen' });
    const [first] = await Promise.all(listening);
    return {
      port: (first as { port: number }).port,
      async serve(redis) {
        const [checker] = links as [WorkerLink];
        const checked = checker.next('checked', 'checked the setup');
        checker.send({ type: 'check', redis });
        const { report } = await checked;
        const serving = links.map((link) => link.next('serving', 'served'));
        for (const link of links) link.send({ type: 'serve', redis });
        await Promise.all(serving);
        return report;
      },
      async drain(timeoutMs) {
        stopping = true;
        const asked = live().map((link) => {
          const draining = link.next('draining', 'stopped accepting').then(
            ({ inFlight }) => inFlight,
            () => 0,
          );
          const drained = link.next('drained', 'finished its requests').then(
            ({ cutOff }) => cutOff,
            () => 0,
          );
          link.send({ type: 'drain', timeoutMs });
          return { draining, drained };
        });
        // The cluster closes the shared socket once the last worker has closed its server, which each
        // does before it says it is draining, over the same ordered channel.
        const inFlight = (await Promise.all(asked.map(({ draining }) => draining))).reduce((a, b) => a + b, 0);
        const cutOff = Promise.all(asked.map(({ drained }) => drained)).then((counts) => counts.reduce((a, b) => a + b, 0));
        return { inFlight, cutOff };
      },
      close,
      onUnexpectedExit(listener) {
        exitListener = listener;
        if (earlyExit) listener(earlyExit);
      },
    };
  };
  try {
    await Promise.all(
      links.map(async (link) => {
        await link.next('started', 'started');
        const prepared = link.next('prepared', 'checked the models');
        link.send({ type: 'prepare', settings });
        await prepared;
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { bind, close };
}
