/*
 * What may differ between the oracle's response (graphql-js alone) and a gateway path's, stated as
 * rules applied before the JSON texts are compared character for character (and so key order too).
 * Nothing else is normalised: a difference no rule names is a failure. Rule 1 applies to every
 * response; rules 2 and 3 are what the gateway adds at its edge, so they apply to the oracle's alone,
 * and every gateway path must do the same itself.
 */

interface ErrorBody {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
  [field: string]: unknown;
}
interface Body {
  data?: unknown;
  errors?: ErrorBody[];
  [field: string]: unknown;
}

/**
 * Where a path's value stands in the response, as a list of positions: the index of each key in its
 * object (the order the document asked for it) or of each item in its list. A path that runs past a
 * null (an error that nulled a parent) ends its list there; ties keep their order.
 */
function positionOf(data: unknown, path: ReadonlyArray<string | number>): number[] {
  const positions: number[] = [];
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') break;
    if (typeof segment === 'number') positions.push(segment);
    else positions.push(Object.keys(node).indexOf(segment));
    node = (node as Record<string | number, unknown>)[segment];
  }
  return positions;
}

const comparePositions = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

/**
 * Rule 1, errors in response order. An executor appends an error when its field fails, and when a
 * field fails depends on the scheduling of resolvers and on which Redis reply comes back first: the
 * same operation met its errors in different orders from one run to the next of one executor, and
 * between graphql-js and Yoga's @graphql-tools/executor (the GraphQL spec leaves the order open). Both
 * sides' errors are sorted by where their path stands in `data`, a stable sort, so each error's
 * message, locations, path and extensions are still compared one by one.
 */
function errorsInResponseOrder(body: Body): Body {
  if (!body.errors) return body;
  const errors = body.errors
    .map((error, index) => ({ error, index, position: positionOf(body.data, error.path ?? []) }))
    .sort((a, b) => comparePositions(a.position, b.position) || a.index - b.index)
    .map(({ error }) => error);
  return { ...body, errors };
}

/**
 * Rule 2, masking. An error that graphql-js reports at a field without `extensions.code` was not made
 * on purpose (e.g. a TTL too large for Int): the gateway answers it as Yoga's masking does, with a
 * generic message and INTERNAL_SERVER_ERROR, keeping its locations and path (docs/errors.md).
 */
function masked(body: Body): Body {
  if (!body.errors || !('data' in body)) return body;
  const errors = body.errors.map((error) =>
    error.extensions?.code === undefined
      ? { message: 'Unexpected error.', locations: error.locations, path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }
      : error,
  );
  return { ...body, errors };
}

/**
 * Rule 3, refusals get Yoga's code. A body without `data` is a document refused before execution. Yoga
 * sends graphql-js's validation errors with `extensions.code: GRAPHQL_VALIDATION_FAILED`, and its
 * variable coercion errors (`Variable "$..." ...`) as graphql-js words them, without a code.
 */
function validationCoded(body: Body): Body {
  if (!body.errors || 'data' in body) return body;
  const errors = body.errors.map((error) =>
    error.extensions?.code === undefined && !error.message.startsWith('Variable "$')
      ? { ...error, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }
      : error,
  );
  return { ...body, errors };
}

/** The JSON text a gateway path's response is compared by. */
export const normalise = (json: string): string => JSON.stringify(errorsInResponseOrder(JSON.parse(json) as Body));

/** graphql-js's response as the gateway's edge sends it (rules 2 and 3), for a path that hands requests to graphql-js. */
export const atGatewayEdge = (json: string): string => JSON.stringify(validationCoded(masked(JSON.parse(json) as Body)));

/** The JSON text the oracle's response is compared by: what the gateway's edge adds, then as any other. */
export const normaliseOracle = (json: string): string => normalise(atGatewayEdge(json));
