import { createGateway } from '../create-gateway.js';
import { gracefulClose } from '../graceful-close.js';
import { chooseModels, DEMO } from './choose-models.js';
import { CliError } from './cli-error.js';
import { listen } from './listen.js';
import { loadModels } from './load-models.js';
import { gatewayOptionsOf } from './serve-options.js';
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

const failureOf = (error: unknown): WorkerFailure =>
  error instanceof CliError
    ? { message: error.message, hint: error.hint, exitCode: error.exitCode, known: true }
    : { message: error instanceof Error ? error.message : String(error), exitCode: 1, known: false, stack: (error as Error)?.stack };

/**
 * A worker of `serve --workers N` (see workers.ts): loads the models, binds the port the cluster
 * shares, answering 503 until the primary has Redis up and checked, then serves a gateway of its own on it. It prints
 * nothing but its request logs: the primary reports startup, failures and shutdown, once. It never
 * exits by itself: the primary says when (or the cluster ends it when the primary is gone).
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
  try {
    // The primary has checked the flags and the models already: here they cannot fail but by a change since.
    const flags = serveFlags(argv);
    const told = whenTold('serve');
    // Loaded before binding, as serve in one process does: the port then answers 503 only while Redis
    // starts, not while every worker compiles the models too.
    const choice = chooseModels(flags.values.models, 'serve');
    const models = await loadModels(choice.file, choice.flag === DEMO ? 'the demo shop' : choice.flag);
    const listening = await listen(flags.port, flags.host);
    teardown.add(() => listening.close());
    tell({ type: 'listening', port: listening.port });

    const { redisUrl, settings } = await told;
    const gateway = createGateway(gatewayOptionsOf(flags, models, settings)(redisUrl));
    teardown.add(() => gateway.close());
    const closer = gracefulClose(listening.server);
    listening.serve(gateway.handler);
    tell({ type: 'serving' });

    const { timeoutMs } = await whenTold('drain');
    const inFlight = closer.inFlight();
    const closed = closer.close(timeoutMs);
    // After close(): the cluster has been told to stop handing this worker connections.
    tell({ type: 'draining', inFlight });
    tell({ type: 'drained', cutOff: await closed });
  } catch (error) {
    tell({ type: 'failed', failure: failureOf(error) });
  }
}
