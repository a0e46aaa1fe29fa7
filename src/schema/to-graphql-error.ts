import { GraphQLError } from 'graphql';
import { isGatewayError } from '../errors.js';

/** A store error becomes a GraphQL error carrying its code and details; any other error passes on, to be masked. */
export function toGraphQLError(error: unknown, extensions: Record<string, unknown> = {}): unknown {
  if (!isGatewayError(error)) return error;
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, ...extensions } });
}

/** Wraps a resolver so that the store's typed errors reach the client with their codes. */
export function withGraphQLErrors<Args extends unknown[], Result>(resolve: (...args: Args) => Promise<Result>) {
  return (...args: Args): Promise<Result> =>
    resolve(...args).catch((error: unknown) => {
      throw toGraphQLError(error);
    });
}
