import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationArb } from './helpers/differential/arbitraries.js';
import { compareWithOracle, printRequest } from './helpers/differential/compare.js';
import { compiledTally, executorsOf, viaHandler, type CompiledTally } from './helpers/differential/executors.js';
import { seedFixture } from './helpers/differential/fixture.js';
import { normalise, normaliseOracle } from './helpers/differential/normalise.js';
import { toRequest, type GraphQLRequest } from './helpers/differential/operation.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * Differential: every read operation answers the same through each of the gateway's execution paths as
 * through graphql-js alone (`execute` on the gateway's schema, with the context the gateway builds per
 * request). Same data, same errors (message, locations, path, extensions, in response order) and the
 * same key order, compared as JSON text after the few rules of helpers/differential/normalise.ts, which
 * name what the gateway's edge adds on purpose (masking, Yoga's codes). A new execution path is one more
 * entry in executorsOf (helpers/differential/executors.ts) and is held to the same oracle.
 *
 * Every operation reads; the fixture is written once for the file (see fixture.ts on why `ttl` is stable).
 */

let t: TestGateway;
let executors: ReturnType<typeof executorsOf>;
let tally: CompiledTally;
let handler: ReturnType<typeof viaHandler>;

beforeAll(async () => {
  t = await openTestGateway();
  await seedFixture(t.gateway.store, t.redis);
  tally = compiledTally();
  handler = viaHandler(t.gateway);
  executors = executorsOf(t.gateway, tally, handler.executor);
});
afterAll(async () => {
  await handler.close();
  await t.close();
});

const EXAMPLES: Array<{ name: string } & GraphQLRequest> = [
  {
    name: 'a node by a key written in the document, every Model field',
    query: '{ node(key: "User:u1") { __typename id key pk ttl ... on User { name age email balance } } }',
    variables: {},
  },
  {
    name: 'an Order: its ttl, its references resolved, nested under aliases',
    query: `query($k: ID!) { order: node(key: $k) { ttl ... on Order { placedAt status who: user { name } what: product { name price tags } } } }`,
    variables: { k: 'Order:o1' },
  },
  {
    name: 'nodes with duplicated, missing, corrupt, unknown-model and malformed keys, from a variable',
    query: 'query($keys: [ID!]!) { nodes(keys: $keys) { key pk } }',
    variables: { keys: ['User:u1', 'User:u1', 'User:nobody', 'User:bad-json', 'Product:bad-schema', 'Nope:1', 'nokey', ':x', 'User:', ''] },
  },
  {
    name: 'nodes with skipMissing: a slot dropped shifts the paths, not extensions.index',
    query: '{ nodes(keys: ["User:nobody", "Nope:1", "Product:p2", "Order:gone", "User:broken"], skipMissing: true) { key } }',
    variables: {},
  },
  {
    name: 'a reference to a missing user and one to a corrupt user: null with their codes at their paths',
    query: '{ nodes(keys: ["Order:orphan", "Order:to-broken"]) { ... on Order { userId user { name } product { name } } } }',
    variables: {},
  },
  {
    name: 'fragments on Model, Node, AnyModel and concrete types, named and inline',
    query: `{ nodes(keys: ["User:u2", "Product:p1", "Order:o2"]) {
        ...ModelBits ... on Node { id } ...Any ... on Product { name ... on Model { pk } } ... { __typename } } }
      fragment ModelBits on Model { key ttl }
      fragment Any on AnyModel { __typename ... on User { name } ... on Order { quantity } }`,
    variables: {},
  },
  {
    name: '@skip and @include from variables and literals, on fields and fragments',
    query: `query($yes: Boolean!, $no: Boolean!) { node(key: "Product:p1") {
        key @skip(if: $yes) pk @include(if: $yes) ... on Product @include(if: $no) { name } ...P @skip(if: false) } }
      fragment P on Product { price @skip(if: $no) stock }`,
    variables: { yes: true, no: false },
  },
  {
    name: 'a finder page meeting an indexed document that no longer decodes',
    query: `{ allUsers(where: { age: { gte: 30 } }, first: 3) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
    variables: {},
  },
  {
    name: 'an Orders page with a where, each order with its user',
    query: '{ allOrders(where: { status: { eq: PENDING } }, first: 10) { edges { node { pk quantity user { name } } } } }',
    variables: {},
  },
  {
    name: 'nulls: a User has no ttl; a node that fails is null beside the others',
    query: '{ a: node(key: "User:u2") { ttl } b: node(key: "User:nobody") { ttl } __typename }',
    variables: {},
  },
  {
    name: 'a TTL too large for Int: masked by the gateway (rule 2)',
    query: '{ node(key: "User:forever") { key ttl } }',
    variables: {},
  },
  {
    name: 'errors met in another order than the response order: compared in response order (rule 1)',
    query: `{ page: allUsers(first: 2, where: { age: { gte: 30 } }) { totalCount edges { node { pk } } } nodes(keys: ["Nope:1"], skipMissing: true) { key } }`,
    variables: {},
  },
  {
    name: 'a document graphql-js does not validate: refused with Yoga’s code (rule 3)',
    query: '{ node(key: "User:u1") { nope } }',
    variables: {},
  },
  {
    name: 'a required variable not given: refused as graphql-js words it (rule 3)',
    query: 'query($k: ID!) { node(key: $k) { key } }',
    variables: {},
  },
];

describe('each named operation answers the same on every path as in graphql-js', () => {
  it.each(EXAMPLES)('$name', async (example) => {
    const request = { query: example.query, variables: example.variables };
    for (const { executor, expected, actual } of await compareWithOracle(executors, request)) {
      expect(actual, `${executor} on\n${printRequest(request)}`).toBe(expected);
    }
  });
});

describe('where the gateway refuses what graphql-js alone would run', () => {
  // Not a normalisation: the gateway's limits refuse an operation before it runs (docs/security.md),
  // which graphql-js alone has no reason to do. The generated operations stay inside every limit, and
  // these cases say what the gateway answers instead, so that a new path keeps refusing them too.
  const aliases = Array.from({ length: 31 }, (_, i) => `t${i}: __typename`).join(' ');

  it.each([
    { name: 'more than maxAliases (30) aliases', query: `{ ${aliases} }` },
    { name: 'more than maxDirectives (50) directives', query: `{ ${'__typename @skip(if: false) '.repeat(51)}}` },
  ])('$name: refused with QUERY_TOO_COMPLEX, no data', async ({ query }) => {
    const request = { query, variables: {} };
    const oracle = JSON.parse(await executors.graphqlJs(request)) as { data?: unknown };
    const gateway = JSON.parse(await executors.gateway(request)) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    expect(oracle.data).toBeDefined();
    expect(gateway.data).toBeUndefined();
    expect(gateway.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('any generated read operation answers the same on every path as in graphql-js', () => {
  it('holds for 200 operations (aliases, fragments, directives, references, every kind of key, finder pages)', async () => {
    // The codes the oracle met, so that a generator grown too tame (no corrupt or unknown key left) fails.
    const codes = new Set<string>();
    Object.assign(tally, compiledTally());
    const leanBefore = t.gateway.routes.lean;
    const requestArb = operationArb.map((operation) => {
      const request = toRequest(operation);
      // fast-check prints the minimal failing operation as GraphQL text rather than as its tree.
      return Object.assign(request, { [fc.toStringMethod]: () => printRequest(request) });
    });
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        for (const { executor, expected, actual } of await compareWithOracle(executors, request)) {
          for (const error of (JSON.parse(expected) as { errors?: Array<{ extensions: { code: string } }> }).errors ?? []) {
            codes.add(error.extensions.code);
          }
          if (actual !== expected) throw new Error(`${executor} differs from graphqlJs\nexpected: ${expected}\nactual:   ${actual}`);
        }
      }),
      { numRuns: 200 },
    );
    expect([...codes].sort()).toEqual(['CORRUPT_VALUE', 'INTERNAL_SERVER_ERROR', 'INVALID_KEY', 'KEY_NOT_FOUND', 'MODEL_NOT_FOUND']);
    // And the compiled path answered a good share itself, handing the rest over (a partial run included).
    expect(tally.answered).toBeGreaterThan(20);
    expect(tally.handedOver).toBeGreaterThan(10);
    // And the handler answered a good share on its lean path.
    expect(t.gateway.routes.lean - leanBefore).toBeGreaterThan(20);
  });
});

describe('the comparison', () => {
  // It must be able to fail: these are the differences a new execution path could introduce.
  const body =
    '{"errors":[{"message":"No model is stored at key \\"User:x\\".","path":["b"],"extensions":{"code":"KEY_NOT_FOUND","key":"User:x"}}],"data":{"a":{"key":"User:u1","pk":"u1"},"b":null}}';

  it('tells keys in another order apart', () => {
    expect(normalise(body.replace('"key":"User:u1","pk":"u1"', '"pk":"u1","key":"User:u1"'))).not.toBe(normaliseOracle(body));
  });

  it('tells an error with other extensions apart, and one left unmasked', () => {
    expect(normalise(body.replace(',"key":"User:x"', ''))).not.toBe(normaliseOracle(body));
    const unexpected = '{"errors":[{"message":"boom","path":["a"]}],"data":{"a":null}}';
    expect(normalise(unexpected)).not.toBe(normaliseOracle(unexpected));
  });

  it('puts errors in response order, whatever order they were met in', () => {
    const twoErrors = (first: string, second: string) =>
      `{"errors":[{"message":"${first}","path":["${first}"],"extensions":{"code":"X"}},{"message":"${second}","path":["${second}"],"extensions":{"code":"X"}}],"data":{"a":null,"b":null}}`;
    expect(normalise(twoErrors('b', 'a'))).toBe(normaliseOracle(twoErrors('a', 'b')));
  });
});
