import { GraphQLError } from 'graphql';
import { isGatewayError, type ErrorCode, type GatewayError } from '../errors.js';

/** The GraphQL form of a store error: its message, and its code and details in `extensions`. */
export const gatewayGraphQLError = (error: GatewayError, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, ...extensions } });

/** The HTTP status of a request refused whole, before execution, by its code. */
const REFUSAL_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REDIS_UNAVAILABLE: 503,
};

/** A refusal of the whole request (no `data`): its code and the matching HTTP status, 400 unless listed above. */
export const requestRefusal = (error: GatewayError) => gatewayGraphQLError(error, { http: { status: REFUSAL_STATUS[error.code] ?? 400 } });

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
