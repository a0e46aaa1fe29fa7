import type { GraphQLError } from 'graphql';
import { Counter, Histogram, Registry } from 'prom-client';
import type { StoreEvents } from '../store/store-events.js';

export interface MetricsOptions {
  /** Where the Prometheus text is served; false serves it nowhere (read `gateway.metrics.registry` yourself). @default '/metrics' */
  endpoint?: string | false | undefined;
}

/**
 * The codes of a refusal by a limit. They are counted apart from other errors, with the limit's name
 * the error carries in `extensions.option` (`maxKeys`, `maxDepth`, ...).
 */
const LIMIT_CODES: ReadonlySet<string> = new Set([
  'TOO_MANY_KEYS',
  'QUERY_TOO_COMPLEX',
  'QUERY_TOO_EXPENSIVE',
  'REQUEST_TOO_LARGE',
  'VALUE_TOO_LARGE',
]);

/** Label values come from codes the server sets, but a label must never take a value a client chose: anything odd is one value. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const LIMIT = /^[A-Za-z][\w.-]{0,63}$/;

/**
 * The gateway's own metrics, in a registry of its own (never prom-client's global one), so that two
 * gateways in one process keep apart. The Prometheus plugin registers Yoga's metrics in the same registry.
 * Only bounded labels: no operation name, path or URL, which any client could vary without end.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly endpoint: string | false;
  private readonly roundTrips = new Histogram({
    name: 'gateway_redis_round_trips',
    help: 'Commands sent to Redis by one GraphQL request (an MGET or a script call each), for requests that reached execution',
    buckets: [0, 1, 2, 3, 4, 6, 8, 16, 32, 64],
    registers: [this.registry],
  });
  private readonly batchSizes = new Histogram({
    name: 'gateway_loader_batch_size',
    help: 'Loads gathered by the DataLoader into one Redis read',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  private readonly lockWaits = new Histogram({
    name: 'gateway_lock_wait_seconds',
    help: 'Time from the first attempt to take a lock to taking it',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly lockTimeouts = new Counter({
    name: 'gateway_lock_timeouts_total',
    help: 'Locks not taken within their timeout (LOCK_TIMEOUT)',
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'gateway_graphql_errors_total',
    help: 'Errors sent to clients, by extensions.code (NONE when an error has none)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'gateway_refusals_total',
    help: 'Errors that refused work over a limit, by code and by the limit option (extensions.option) they name',
    labelNames: ['code', 'limit'],
    registers: [this.registry],
  });
  private readonly requests = new WeakMap<object, RequestEvents>();
  /** The metrics of Yoga's Prometheus plugin the lean path records into, found once it has registered them. */
  private yogaMetrics?: { requests?: Counter; execute?: Histogram; http?: Histogram };

  constructor({ endpoint = '/metrics' }: MetricsOptions = {}) {
    this.endpoint = endpoint;
  }

  /** What the store's own sessions report (TypeScript callers): batches and lock waits; they are no request. */
  readonly storeEvents: StoreEvents = {
    batch: (size) => this.batch(size),
    lockWait: (waitedMs, acquired) => this.lockWait(waitedMs, acquired),
  };

  /** The events of one request's session (a fetch Request, or the lean path's node request); `requestDone` records its round trips. */
  eventsFor(request: object): StoreEvents {
    const events = new RequestEvents(this);
    this.requests.set(request, events);
    return events;
  }

  /** Counts the round trips of `events` (made for a request the lean path began) as the round trips of `request`. */
  adopt(request: object, events: StoreEvents): void {
    if (events instanceof RequestEvents) this.requests.set(request, events);
  }

  requestDone(request: object): void {
    const events = this.requests.get(request);
    if (events) this.roundTrips.observe(events.roundTrips);
  }

  /**
   * A request the lean path answered, recorded as Yoga's Prometheus plugin records one it answers, in the
   * same metrics with the same labels (operationType; method and statusCode for the HTTP duration), so
   * that the counts do not depend on the path. No parse or validate phase is recorded: none ran.
   */
  leanRequestDone(request: object, operationType: string, statusCode: number, seconds: number, executeSeconds: number): void {
    this.requestDone(request);
    const yoga = (this.yogaMetrics ??= {
      requests: this.registry.getSingleMetric('graphql_envelop_request') as Counter | undefined,
      execute: this.registry.getSingleMetric('graphql_envelop_phase_execute') as Histogram | undefined,
      http: this.registry.getSingleMetric('graphql_yoga_http_duration') as Histogram | undefined,
    });
    yoga.requests?.inc({ operationType });
    yoga.execute?.observe({ operationType }, executeSeconds);
    yoga.http?.observe({ operationType, method: 'POST', statusCode }, seconds);
  }

  /** Counts the errors of one response, once per code rather than once per error. */
  countErrors(errors: readonly GraphQLError[]): void {
    const byCode = new Map<string, number>();
    for (const error of errors) {
      const code = labelValue(error.extensions?.code, CODE, 'NONE');
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      if (LIMIT_CODES.has(code)) this.refusals.inc({ code, limit: labelValue(error.extensions?.option, LIMIT, '') });
    }
    for (const [code, count] of byCode) this.errors.inc({ code }, count);
  }

  batch(size: number): void {
    this.batchSizes.observe(size);
  }

  lockWait(waitedMs: number, acquired: boolean): void {
    if (acquired) this.lockWaits.observe(waitedMs / 1000);
    else this.lockTimeouts.inc();
  }
}

/** One request's: it counts the round trips itself and hands the rest to the shared metrics. A class, so one object per request. */
class RequestEvents implements StoreEvents {
  roundTrips = 0;

  constructor(private readonly metrics: GatewayMetrics) {}

  roundTrip(): void {
    this.roundTrips++;
  }

  batch(size: number): void {
    this.metrics.batch(size);
  }

  lockWait(waitedMs: number, acquired: boolean): void {
    this.metrics.lockWait(waitedMs, acquired);
  }
}

function labelValue(value: unknown, pattern: RegExp, absent: string): string {
  if (typeof value !== 'string') return absent;
  return pattern.test(value) ? value : 'OTHER';
}
