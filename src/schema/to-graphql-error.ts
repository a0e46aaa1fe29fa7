import { GraphQLError } from 'graphql';
import { isGatewayError, type ErrorCode, type GatewayError } from '../errors.js';

/** Seconds a client is asked to wait before it retries after a Redis fault. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Redis faults answer 503 with Retry-After wherever they happen, in a refusal or in one field: Yoga
 * takes the highest status and the headers of a result's errors from `extensions.http`, and strips it
 * from the body.
 */
const FAULT_HTTP = { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } };
const isRedisFault = (code: ErrorCode) => code === 'REDIS_UNAVAILABLE' || code === 'WRITE_OUTCOME_UNKNOWN';

/** The GraphQL form of a store error: its message, and its code and details in `extensions`. */
export const gatewayGraphQLError = (error: GatewayError, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, ...(isRedisFault(error.code) ? { http: FAULT_HTTP } : {}), ...extensions },
  });

/** The HTTP status of a request refused whole, before execution, by its code. */
const REFUSAL_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** A refusal of the whole request (no `data`): its code and the matching HTTP status, 400 unless listed above (Redis faults carry their own 503). */
export const requestRefusal = (error: GatewayError) =>
  gatewayGraphQLError(error, isRedisFault(error.code) ? {} : { http: { status: REFUSAL_STATUS[error.code] ?? 400 } });

/** A store error becomes a GraphQL error carrying its code; any other error passes on, to be masked. */
export const toGraphQLError = (error: unknown, extensions: Record<string, unknown> = {}): unknown =>
  isGatewayError(error) ? gatewayGraphQLError(error, extensions) : error;

/** Wraps a resolver so that the store's typed errors reach the client with their codes. */
export function withGraphQLErrors<Args extends unknown[], Result>(resolve: (...args: Args) => Promise<Result>) {
  return (...args: Args): Promise<Result> =>
    resolve(...args).catch((error: unknown) => {
      throw toGraphQLError(error);
    });
}
