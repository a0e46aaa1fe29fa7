import type { GraphQLError } from 'graphql';
import { maskError, type Plugin, type YogaLogger } from 'graphql-yoga';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id.js';

const HEADER = 'x-request-id';

interface RequestState {
  id: string;
  /** The URL's path, as Yoga parsed it: parsing it again costs a few µs a request. */
  path: string;
  started: number;
  /** How many errors of each `extensions.code` the response carries, for its log line. */
  errors?: Record<string, number>;
}

/**
 * Request ids and the logs that carry them. Every request gets an id (the caller's `x-request-id` when
 * sane, else a new one), sent back in `x-request-id`; every response is logged once, with that id, and
 * every unexpected error with the id of the request that met it.
 *
 * Yoga's `maskError` sees no request, so it only masks and remembers what it hid; the error is logged
 * when its response passes `onResultProcess`, which every response does, whichever phase failed.
 * Yoga logs a masked error itself as well: `yogaLogger` leaves those out, so that each is logged once.
 */
export class RequestLog {
  private readonly requests = new WeakMap<Request, RequestState>();
  /** A masked error, to the error it hides. */
  private readonly hidden = new WeakMap<object, unknown>();
  /** The errors Yoga would log a second time, without their request's id. */
  private readonly loggedHere = new WeakSet<object>();

  constructor(
    private readonly logger: Logger,
    /** Log every GraphQL request at info; otherwise only those with errors, and clean ones at debug. */
    private readonly accessLog = false,
    private readonly graphqlPath = '/graphql',
  ) {}

  /** Yoga's masking, except that the response never carries the original error, not even with NODE_ENV=development: the log has it. */
  readonly maskError = (error: unknown, message: string): Error => {
    const masked = maskError(error, message, false);
    if (masked !== error) {
      this.hidden.set(masked, (error as { originalError?: unknown } | null)?.originalError ?? error);
      if (typeof error === 'object' && error !== null) this.loggedHere.add(error);
    }
    return masked;
  };

  /** Yoga's own log lines, through the same logger. */
  readonly yogaLogger: YogaLogger = {
    debug: (...args) => this.forward('debug', args),
    info: (...args) => this.forward('info', args),
    warn: (...args) => this.forward('warn', args),
    error: (...args) => {
      if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null && this.loggedHere.has(args[0])) return;
      this.forward('error', args);
    },
  };

  readonly plugin: Plugin = {
    onRequest: ({ request, url }) => {
      this.stateOf(request).path = url.pathname;
    },
    onResultProcess: ({ request, result }) => {
      for (const each of Array.isArray(result) ? result : [result]) {
        const errors = (each as { errors?: readonly GraphQLError[] }).errors;
        if (errors?.length) this.noteErrors(request, errors);
      }
    },
    onResponse: ({ request, response }) => {
      const state = this.stateOf(request);
      response.headers.set(HEADER, state.id);
      // Below info nothing is logged here.
      if (!this.logger.isLevelEnabled('info') && !this.logger.isLevelEnabled('debug')) return;
      // Yoga's own health check answers before any plugin's onRequest: then the URL is parsed here.
      const path = state.path || new URL(request.url, 'http://localhost').pathname;
      this.completed(state.id, request.method, path, response.status, state.started, state.errors);
    },
  };

  /**
   * The line of a completed request, whichever path served it. Requests with errors or an HTTP error
   * status are logged at info; clean ones at info only with the access log on, else at debug: a line
   * costs more CPU than the rest of a small request (docs/observability.md). Health checks and
   * scrapes are debug, so as not to bury the traffic.
   */
  completed(id: string, method: string, path: string, status: number, started: number, errors?: Record<string, number>): void {
    const endpoint = path === this.graphqlPath;
    const level = endpoint && (this.accessLog || errors !== undefined || status >= 400) ? 'info' : 'debug';
    if (!this.logger.isLevelEnabled(level)) return;
    this.logger[level](
      {
        reqId: id,
        method,
        path,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(errors ? { errors } : {}),
      },
      'request completed',
    );
  }

  /** The id of a request this log has seen, for whatever else logs about it. */
  idOf(request: Request): string {
    return this.stateOf(request).id;
  }

  private stateOf(request: Request): RequestState {
    let state = this.requests.get(request);
    if (!state) {
      state = { id: requestIdOf(request.headers.get(HEADER)), path: '', started: performance.now() };
      this.requests.set(request, state);
    }
    return state;
  }

  private noteErrors(request: Request, errors: readonly GraphQLError[]): void {
    const state = this.stateOf(request);
    const counts = (state.errors ??= Object.create(null) as Record<string, number>);
    for (const error of errors) {
      const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'NONE';
      counts[code] = (counts[code] ?? 0) + 1;
      const original = this.hidden.get(error);
      if (original !== undefined) this.logger.error({ reqId: state.id, error: describeError(original) }, 'unexpected error');
    }
  }

  private forward(level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
    (this.logger[level] as (...args: unknown[]) => void).apply(this.logger, args);
  }
}

/**
 * The error's type, message and stack, and for an ioredis error the command's name: never its
 * arguments, which hold the documents (user data, up to megabytes).
 */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const command = (error as { command?: { name?: unknown } }).command?.name;
  return { type: error.name, message: error.message, stack: error.stack, ...(typeof command === 'string' ? { command } : {}) };
}
