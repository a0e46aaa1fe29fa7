import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { gracefulClose } from '../graceful-close.js';
import { CliError } from './cli-error.js';
import { handedServer } from './listen.js';
import { prepareGateway } from './prepared-gateway.js';
import { serveFlags } from './serve-flags.js';
import { Teardown } from './teardown.js';
import type { FromWorker, ToWorker, WorkerFailure } from './worker-messages.js';

const tell = (message: FromWorker) => process.send?.(message);

/** Resolves with the primary's first message of this type. */
function whenTold<T extends ToWorker['type']>(type: T): Promise<Extract<ToWorker, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: ToWorker) => {
      if (message.type !== type) return;
      process.off('message', listener);
      resolve(message as Extract<ToWorker, { type: T }>);
    };
    process.on('message', listener);
  });
}

const failureOf = (error: unknown): WorkerFailure => {
  const detail = inspect(error);
  return error instanceof CliError
    ? { message: error.message, hint: error.hint, exitCode: error.exitCode, known: true, detail }
    : { message: error instanceof Error ? error.message : String(error), exitCode: 1, known: false, detail };
};

/**
 * A worker of `serve --workers N` (see workers.ts): checks the flags, credentials and models as a
 * single process would, then waits until the primary has Redis up and checked, serves a gateway of its
 * own on it, and from then on reads the connections the primary accepted and hands it. A worker prints
 * nothing but its request logs. It never exits by itself: the primary says when (or the cluster ends
 * it when the primary is gone).
 */
export async function serveWorker(argv: string[]): Promise<void> {
  // The primary decides when to stop: a Ctrl-C or a supervisor's SIGTERM reaches every process of the
  // group, and a worker ending at once would cut off its requests rather than let them finish.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const teardown = new Teardown();
  void whenTold('close').then(async () => {
    await teardown.run();
    process.exit(0);
  });
  const handed = handedServer();
  teardown.add(async () => handed.server.closeAllConnections());
  process.on('message', (message: ToWorker, socket?: Socket) => {
    if (message.type !== 'connection') return;
    if (socket) handed.take(socket);
    tell({ type: 'took' });
  });
  try {
    const preparing = whenTold('prepare');
    const serving = whenTold('serve');
    // A message that arrives before its listener is lost: the primary sends nothing before this.
    tell({ type: 'started' });
    const flags = serveFlags(argv);
    // Before the primary binds: a bad model or option fails before it locks the data directory.
    const prepared = await prepareGateway(flags, (await preparing).settings);
    tell({ type: 'prepared' });

    const { gateway } = await prepared.start((await serving).redis, false);
    teardown.add(() => gateway.close());
    const closer = gracefulClose(handed.server);
    handed.serve(gateway.handler);
    tell({ type: 'serving' });

    const { timeoutMs } = await whenTold('drain');
    // The primary stopped handing out connections before it said so, over the same ordered channel.
    const inFlight = closer.inFlight();
    const closed = closer.close(timeoutMs);
    tell({ type: 'draining', inFlight });
    tell({ type: 'drained', cutOff: await closed });
  } catch (error) {
    tell({ type: 'failed', failure: failureOf(error) });
  }
}
