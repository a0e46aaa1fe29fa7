import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { inProcessFront } from './in-process-front.js';
import { CliError } from './cli-error.js';
import type { HttpFront, PreparedFront } from './http-front.js';
import { listen, type Listening } from './listen.js';
import { prepareGateway, type PreparedGateway } from './prepared-gateway.js';
import type { ServeFlags } from './serve-flags.js';
import type { ServeSettings } from './serve-options.js';
import { SERVING_HEAP_FLAGS, useServingHeap } from './serving-heap.js';
import type { Teardown } from './teardown.js';
import type { FromWorker, ToWorker, WorkerFailure } from './worker-messages.js';

/** How long a worker told to close may take before it is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** How many connections a worker may have been sent and not taken yet before it is passed over. */
const UNTAKEN_LIMIT = 64;

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
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'took') this.took();
    });
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

  /** Connections sent that the worker has not said it took yet. */
  private sending = 0;

  /**
   * Alive, and not holding UNTAKEN_LIMIT connections it has not taken yet. A burst of connections is
   * accepted in one turn of the primary's event loop, before any worker can answer, so a worker must
   * be sent more than one at a time or the primary keeps the whole burst; the limit bounds what a
   * worker whose event loop is stuck holds up.
   */
  isFree(): boolean {
    return this.sending < UNTAKEN_LIMIT && this.worker.isConnected();
  }

  /** Sends the worker a connection this process accepted; the worker reads it from then on. */
  take(socket: Socket): void {
    this.sending += 1;
    this.worker.send({ type: 'connection' } satisfies ToWorker, socket, (error) => {
      if (!error) return;
      this.took();
      socket.destroy();
    });
  }

  /** The worker took a connection it was sent. */
  took(): void {
    this.sending = Math.max(0, this.sending - 1);
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
 * `serve --workers N`: N processes answer HTTP, this one (the primary) and N - 1 forked with
 * node:cluster. The primary also does everything that happens once: it holds the data directory, runs
 * the embedded redis-server, runs the startup checks and reports to the operator. It binds the port and
 * hands each new connection to the next serving process in turn, itself included (listen.ts), so that no
 * process holds a Node runtime and its memory only to pass connections on. Each worker loads and checks
 * the models, then waits until told Redis is up and checked, builds a gateway of its own (see
 * worker.ts) and from then on takes its share of the connections.
 *
 * A worker that dies while serving is not restarted: serve stops and exits 1, as a single process
 * would on the same crash, so that a supervisor starts it afresh and no crash loop hides behind it.
 */
export async function prepareWithWorkers(
  count: number,
  flags: ServeFlags,
  settings: ServeSettings,
  teardown: Teardown,
): Promise<PreparedFront> {
  useServingHeap();
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...SERVING_HEAP_FLAGS] });
  const links = Array.from({ length: count - 1 }, () => new WorkerLink(cluster.fork()));
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
  let listening: Listening | undefined;
  const close = async () => {
    stopping = true;
    await listening?.close();
    await Promise.all(links.map((link) => link.close()));
  };
  let prepared: PreparedGateway;
  try {
    [prepared] = await Promise.all([
      prepareGateway(flags, settings),
      ...links.map(async (link) => {
        await link.next('started', 'started');
        const done = link.next('prepared', 'checked the models');
        link.send({ type: 'prepare', settings });
        await done;
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  }

  // The primary serves as a single process would (in-process-front.ts); the workers join it.
  const front = (bound: Listening): HttpFront => {
    const own = inProcessFront(bound, prepared, teardown);
    return {
      port: own.port,
      async serve(redis) {
        // The startup checks run here, once, before any worker builds its gateway.
        const report = await own.serve(redis);
        const serving = links.map((link) => link.next('serving', 'served'));
        for (const link of links) link.send({ type: 'serve', redis });
        await Promise.all(serving);
        bound.handOut(links);
        return report;
      },
      async drain(timeoutMs) {
        stopping = true;
        const ownDraining = await own.drain(timeoutMs);
        const asked = live().map((link) => {
          const draining = link.next('draining', 'stopped taking requests').then(
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
        const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
        const inFlight = ownDraining.inFlight + sum(await Promise.all(asked.map(({ draining }) => draining)));
        const cutOff = Promise.all([ownDraining.cutOff, ...asked.map(({ drained }) => drained)]).then(sum);
        return { inFlight, cutOff };
      },
      close,
      onUnexpectedExit(listener) {
        exitListener = listener;
        if (earlyExit) listener(earlyExit);
      },
    };
  };
  return {
    bind: async () => front((listening = await listen(flags.port, flags.host))),
    close,
  };
}
