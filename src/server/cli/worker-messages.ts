import type { RedisTarget } from './redis-source.js';
import type { ServeSettings } from './serve-options.js';

/*
 * What serve's primary process and its workers say to each other over the cluster's IPC channel. Every
 * message is plain JSON; a `connection` message carries the socket with it. Each worker reads the flags
 * from the argv it was forked with and loads the models itself (they are code); the primary sends it
 * what it read from files and the environment.
 */

/** From the primary to a worker. */
export type ToWorker =
  /** What the primary read beside the flags, once (a token file may be readable only once): check the models and options. */
  | { type: 'prepare'; settings: ServeSettings }
  /** Redis is up and the primary's startup checks passed: build a gateway on it and serve. */
  | { type: 'serve'; redis: RedisTarget }
  /** Sent with a connection the primary accepted: read its requests from now on. */
  | { type: 'connection' }
  /** The primary stopped accepting: let the requests in flight finish within timeoutMs, then close every connection. */
  | { type: 'drain'; timeoutMs: number }
  /** Close everything at once and exit. */
  | { type: 'close' };

/** What a worker could not do, as the primary reports it: a CliError's message, hint and exit code, or an unforeseen error. */
export interface WorkerFailure {
  message: string;
  hint?: string | undefined;
  exitCode: number;
  /** Whether it was a CliError (printed as is) rather than an error the CLI did not foresee. */
  known: boolean;
  /** The whole error as --debug prints it: its stack and its cause's. */
  detail: string;
}

/** From a worker to the primary. */
export type FromWorker =
  /** Listening to the primary: the messages sent from now on reach it. */
  | { type: 'started' }
  | { type: 'prepared' }
  | { type: 'serving' }
  /** Took a connection the primary sent: it may be sent the next. */
  | { type: 'took' }
  | { type: 'draining'; inFlight: number }
  | { type: 'drained'; cutOff: number }
  | { type: 'failed'; failure: WorkerFailure };
