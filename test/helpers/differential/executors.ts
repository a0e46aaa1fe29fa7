import { execute, parse, specifiedRules, validate, type ExecutionResult } from 'graphql';
import type { Gateway } from '../../../src/index.js';
import type { GraphQLRequest } from './operation.js';

/** Runs one request and answers the response body as JSON text, as a client would receive it. */
export type Executor = (request: GraphQLRequest) => Promise<string>;

const ENDPOINT = 'http://gateway.test/graphql';
const post = (request: GraphQLRequest) =>
  new Request(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });

/** The gateway as a client reaches it: a JSON POST through the Yoga app, every plugin included. */
export const viaGateway =
  (gateway: Gateway): Executor =>
  async (request) =>
    (await gateway.yoga.fetch(post(request))).text();

/**
 * The oracle: graphql-js alone on the gateway's schema, parse, the specified validation rules and
 * `execute`, with the context the gateway builds for the same HTTP request (its store session). No
 * plugin, no masking; the JSON is graphql-js's own result serialized (GraphQLError's toJSON).
 */
export const viaGraphqlJs =
  (gateway: Gateway): Executor =>
  async (request) => {
    const document = parse(request.query);
    const errors = validate(gateway.schema, document, specifiedRules);
    const result: ExecutionResult =
      errors.length > 0
        ? { errors }
        : await execute({
            schema: gateway.schema,
            document,
            variableValues: request.variables,
            contextValue: gateway.context(post(request)),
          });
    return JSON.stringify(result);
  };

/**
 * Every execution path of the gateway, each compared with `graphqlJs`. A new path (a compiled fast
 * path) is one more entry here.
 */
export const executorsOf = (gateway: Gateway) => ({
  graphqlJs: viaGraphqlJs(gateway),
  gateway: viaGateway(gateway),
});
