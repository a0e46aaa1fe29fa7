import { execute, parse, specifiedRules, validate, type ExecutionResult } from 'graphql';
import { compileOperation, HANDOVER } from '../../../src/execution/compiled-operation.js';
import type { Cluster, Redis } from 'ioredis';
import type { Gateway } from '../../../src/index.js';
import { listenHandler } from '../listen-handler.js';
import { atGatewayEdge } from './normalise.js';
import type { GraphQLRequest } from './operation.js';

/** Runs one request and answers the response body as JSON text, as a client would receive it. */
export type Executor = (request: GraphQLRequest) => Promise<string>;

const ENDPOINT = 'http://gateway.test/graphql';
const post = (request: GraphQLRequest) =>
  new Request(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });

/** The gateway as a client reaches it: a JSON POST through the Yoga app, every plugin included. */
export const viaGateway =
  (gateway: Gateway<Redis | Cluster>): Executor =>
  async (request) =>
    (await gateway.yoga.fetch(post(request))).text();

/**
 * The oracle: graphql-js alone on the gateway's schema, parse, the specified validation rules and
 * `execute`, with the context the gateway builds for the same HTTP request (its store session). No
 * plugin, no masking; the JSON is graphql-js's own result serialized (GraphQLError's toJSON).
 */
export const viaGraphqlJs =
  (gateway: Gateway<Redis | Cluster>): Executor =>
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

/** How the compiled path's requests went, so that a run can tell it answered some of them itself. */
export interface CompiledTally {
  answered: number;
  handedOver: number;
  notCompiled: number;
}
export const compiledTally = (): CompiledTally => ({ answered: 0, handedOver: 0, notCompiled: 0 });

/**
 * The compiled path as the server runs it: the operation compiled, then run on the session the gateway
 * builds for the request. A request it hands over (or an operation that does not compile) is answered
 * by graphql-js on that same session, after whatever the compiled run read and drew, as the gateway's
 * edge sends it (masking, validation codes: helpers/differential/normalise.ts).
 */
export const viaCompiled =
  (gateway: Gateway<Redis | Cluster>, tally: CompiledTally): Executor =>
  async (request) => {
    const document = parse(request.query);
    const errors = validate(gateway.schema, document, specifiedRules);
    if (errors.length > 0) return atGatewayEdge(JSON.stringify({ errors }));
    const contextValue = gateway.context(post(request));
    const compiled = compileOperation(gateway.schema, gateway.registry, document, undefined);
    if (compiled) {
      const text = await compiled.run(contextValue.session, request.variables);
      if (text !== HANDOVER) {
        tally.answered++;
        return text;
      }
      tally.handedOver++;
    } else tally.notCompiled++;
    const result = await execute({ schema: gateway.schema, document, variableValues: request.variables, contextValue });
    return atGatewayEdge(JSON.stringify(result));
  };

/**
 * The gateway as `serve` serves it: `gateway.handler` behind node:http on a loopback port, the lean path
 * in front of Yoga. Each request is sent twice and the second answer is the one compared: the first
 * teaches the lean path its operation (Yoga executes it), so that the second takes the lean path
 * wherever it can (gateway.routes counts how often it did).
 */
export function viaHandler(gateway: Gateway<Redis | Cluster>): { executor: Executor; close(): Promise<void> } {
  const listening = listenHandler(gateway.handler);
  const send = async (request: GraphQLRequest) =>
    (
      await fetch((await listening).url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      })
    ).text();
  return {
    executor: async (request) => {
      await send(request);
      return send(request);
    },
    close: async () => (await listening).close(),
  };
}

/**
 * Every execution path of the gateway, each compared with `graphqlJs`. A new path is one more entry
 * here.
 */
export const executorsOf = (gateway: Gateway<Redis | Cluster>, tally: CompiledTally = compiledTally(), handler?: Executor) => ({
  graphqlJs: viaGraphqlJs(gateway),
  gateway: viaGateway(gateway),
  compiled: viaCompiled(gateway, tally),
  ...(handler ? { handler } : {}),
});
