import type { Executor } from './executors.js';
import { normalise, normaliseOracle } from './normalise.js';
import type { GraphQLRequest } from './operation.js';

export interface Difference {
  executor: string;
  /** The oracle's response, normalised (see normalise.ts). */
  expected: string;
  actual: string;
}

/** The request as a reader wants it in a failure: the GraphQL text, then its variables. */
export const printRequest = (request: GraphQLRequest) => `${request.query}\nvariables: ${JSON.stringify(request.variables)}`;

/**
 * Runs the request through the oracle (`graphqlJs`), then through every other executor one after the
 * other (never at once: each reads the same data alone), and answers each executor's normalised
 * response beside the oracle's. Equal texts are the pass.
 */
export async function compareWithOracle(
  executors: { graphqlJs: Executor } & Record<string, Executor>,
  request: GraphQLRequest,
): Promise<Difference[]> {
  const expected = normaliseOracle(await executors.graphqlJs(request));
  const results: Difference[] = [];
  for (const [executor, run] of Object.entries(executors)) {
    if (executor === 'graphqlJs') continue;
    results.push({ executor, expected, actual: normalise(await run(request)) });
  }
  return results;
}
