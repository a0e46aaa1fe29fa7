import type { IncomingMessage, ServerResponse } from 'node:http';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import { HANDOVER } from '../../execution/compiled-operation.js';
import type { Store } from '../../store/create-store.js';
import type { StoreEvents } from '../../store/store-events.js';
import type { StoreSession } from '../../store/store-session.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { Authenticator } from '../authenticate.js';
import type { CorsPolicy } from '../cors-policy.js';
import { nestsDeeperThan } from '../plugins/use-variables-depth.js';
import { costRefusal } from '../plugins/use-cost-estimate.js';
import type { OperationAuthorizer } from '../plugins/use-auth.js';
import { mediaTypeOf } from '../plugins/use-json-bodies-only.js';
import { requestIdOf } from '../request-id.js';
import type { RequestLog } from '../request-log.js';
import type { GatewayLimits } from '../create-gateway.js';
import { headerView } from './header-view.js';
import type { OperationPlans } from './operation-plans.js';
import { readBody } from './read-body.js';
import { responseMediaType } from './response-media-type.js';

/**
 * Why a request that reached the lean path went on to the general path: `general`, not a JSON POST it
 * takes (before its body is read); `body`, not the usual parameters; `operation`, one Yoga has not yet
 * executed (it learns it now); `uncompiled`, one with no compiled plan; `variables`, `auth` and `cost`,
 * refused by that check (Yoga answers the refusal); `plan`, the plan met something only the general path
 * answers (an error in a slot, a missing key, a Redis fault).
 */
export const ROUTES = ['lean', 'general', 'body', 'operation', 'uncompiled', 'variables', 'auth', 'cost', 'plan'] as const;
export type Route = (typeof ROUTES)[number];

/** How many requests took each route since the gateway started: what an operator (and a test) can see of the lean path. */
export type RouteCounts = Record<Route, number>;

export const emptyRouteCounts = (): RouteCounts => Object.fromEntries(ROUTES.map((route) => [route, 0])) as RouteCounts;

/** A request the lean path began, as the general path takes it over. */
export interface HandedOver {
  session: StoreSession;
  events: StoreEvents | undefined;
}

/** A node:http request listener. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface LeanPathOptions {
  /** The general path: Yoga's node listener, which answers everything the lean path leaves to it. */
  general: RequestListener;
  plans: OperationPlans;
  store: Store;
  authenticator: Authenticator;
  authorize: OperationAuthorizer;
  cors: CorsPolicy;
  limits: GatewayLimits;
  requestLog: RequestLog;
  /** Where a request the lean path began is left for the general path's context (see continued()), with its session's events. */
  handedOver: WeakMap<IncomingMessage, HandedOver>;
  graphqlPath: string;
  /** Counted into as each request is routed. */
  routes: RouteCounts;
  /** The Prometheus metrics, or null when they are off. */
  metrics: GatewayMetrics | null;
}

/** The parameters of a GraphQL request in a JSON body, when they are the usual kind. */
interface Params {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | null | undefined;
}

/**
 * The lean path: POST /graphql with a JSON body whose operation has a compiled plan is answered here,
 * without Yoga's per-request plumbing; everything else goes to Yoga, the general path, untouched.
 *
 * It answers only what it can answer exactly as Yoga would: a request it may serve in full, with no
 * error. Whenever a check refuses (body, variables, caller, cost), or the plan meets anything it does
 * not reproduce (a missing key, a corrupt document, a Redis fault), it hands the request to Yoga, which
 * makes the same checks again and answers: so each refusal is defined once, by Yoga's plugins, and the
 * checks here share their functions (operationAuthorizer, costRefusal, nestsDeeperThan, corsPolicy).
 * A handed-over request keeps its store session (continued()): what was read is not read again.
 */
export function leanPath(options: LeanPathOptions): RequestListener {
  const { general, limits, graphqlPath } = options;
  return (request, response) => {
    const length = lengthOf(request);
    const mediaType = responseMediaType(request.headers.accept);
    if (
      request.method !== 'POST' ||
      request.url !== graphqlPath ||
      mediaTypeOf(request.headers['content-type'] ?? '') !== 'application/json' ||
      length === null ||
      length > limits.maxBodyBytes ||
      mediaType === null
    ) {
      options.routes.general++;
      general(request, response);
      return;
    }
    serve(options, request, response, length, mediaType).catch(() => {
      // The body never arrived whole (the client went away): nothing to answer.
      request.destroy();
    });
  };
}

async function serve(
  options: LeanPathOptions,
  request: IncomingMessage,
  response: ServerResponse,
  length: number,
  mediaType: string,
): Promise<void> {
  const started = performance.now();
  const body = await readBody(request, length);
  let events: StoreEvents | undefined;
  const handOver = (route: Route, session?: StoreSession) => {
    options.routes[route]++;
    if (session) options.handedOver.set(request, { session: session.continued(), events });
    // Yoga's node adapter takes a body already read from `body`.
    (request as IncomingMessage & { body?: Buffer }).body = body;
    options.general(request, response);
  };
  const params = paramsOf(body);
  if (!params) return handOver('body');
  const plan = options.plans.get(params.query, params.operationName);
  if (!plan) return handOver('operation');
  if (!plan.compiled) return handOver('uncompiled');
  const variables = params.variables ?? {};
  if (nestsDeeperThan(variables, options.limits.maxVariablesDepth)) return handOver('variables');
  const headers = headerView(request.headers);
  const caller = options.authenticator.callerOf(headers);
  if (options.authorize(caller, plan.operation, plan.rootFields)) return handOver('auth');
  if (plan.shape && costRefusal(plan.shape, variables, options.limits)) return handOver('cost');

  events = options.metrics?.eventsFor(request);
  const session = options.store.session({ access: caller.access, events });
  const executing = performance.now();
  const text = await plan.compiled.run(session, params.variables).catch((): typeof HANDOVER => HANDOVER);
  if (text === HANDOVER) return handOver('plan', session);
  options.routes.lean++;

  const id = requestIdOf(headers.headers.get('x-request-id'));
  const cors = corsHeaders(options.cors, headers, request.method as string);
  response.writeHead(200, {
    'content-type': `${mediaType}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
    'x-request-id': id,
    ...cors,
  });
  response.end(text);
  const done = performance.now();
  options.metrics?.leanRequestDone(request, plan.operation, 200, (done - started) / 1000, (done - executing) / 1000);
  options.requestLog.completed(id, 'POST', options.graphqlPath, 200, started);
}

/** Content-Length as a whole number of bytes above zero; null when absent (a chunked body) or odd. */
function lengthOf(request: IncomingMessage): number | null {
  const header = request.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  return Number.isSafeInteger(length) && length > 0 ? length : null;
}

/** The parameters of the body, or null for anything but an object with a query and the usual fields. */
function paramsOf(body: Buffer): Params | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { query, variables, operationName, ...rest } = parsed as Record<string, unknown>;
  for (const other in rest) if (rest[other] !== undefined) return null;
  if (typeof query !== 'string') return null;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  return { query, variables: (variables ?? undefined) as Params['variables'], operationName };
}

/** The CORS headers Yoga would add, by the same policy and the same function of Yoga's server. */
function corsHeaders(policy: CorsPolicy, headers: ReturnType<typeof headerView>, method: string): Record<string, string> {
  if (policy === false) return {};
  const options = policy(headers);
  return (
    (getCORSHeadersByRequestAndOptions({ headers: headers.headers, method } as unknown as Request, options) as Record<
      string,
      string
    > | null) ?? {}
  );
}
