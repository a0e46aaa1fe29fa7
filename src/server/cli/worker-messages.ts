import type { ServeSettings } from './serve-options.js';

/*
 * What serve's primary process and its workers say to each other over the cluster's IPC channel. Every
 * message is plain JSON; models are code, so each worker loads them itself.
 */

/** From the primary to a worker. */
export type ToWorker =
  /** Redis is up and checked: build a gateway on it and serve. */
  | { type: 'serve'; redisUrl: string; settings: ServeSettings }
  /** Stop accepting; let the requests in flight finish within timeoutMs. */
  | { type: 'drain'; timeoutMs: number }
  /** Close everything at once and exit. */
  | { type: 'close' };

/** What a worker could not do, as the primary reports it: a CliError's message, hint and exit code, or an unforeseen error's stack. */
export interface WorkerFailure {
  message: string;
  hint?: string | undefined;
  exitCode: number;
  /** Whether it was a CliError (printed as is) rather than an error the CLI did not foresee. */
  known: boolean;
  stack?: string | undefined;
}

/** From a worker to the primary. */
export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'serving' }
  | { type: 'draining'; inFlight: number }
  | { type: 'drained'; cutOff: number }
  | { type: 'failed'; failure: WorkerFailure };
