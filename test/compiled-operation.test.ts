import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels, Order, Product, User } from '../examples/shop.js';
import { compileOperation, HANDOVER } from '../src/execution/compiled-operation.js';
import { createGateway, defineModel } from '../src/index.js';
import type { StoreSession } from '../src/store/store-session.js';
import { describeReads, loadBatchReadScript, oneBatchRead } from './helpers/batch-reads.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * Which operations compile, which requests a compiled run answers itself (and then exactly as graphql-js
 * does, with the same Redis commands and budget), and which it hands over. test/differential.test.ts
 * holds the compiled path to graphql-js on generated operations; this file says what it must answer.
 */

/** Every kind of field a model maps: nested objects, lists, records, enums, dates, optional and nullable. */
const Profile = defineModel(
  'Profile',
  z.object({
    handle: z.string(),
    level: z.enum(['LOW', 'HIGH']),
    since: z.date(),
    big: z.int(),
    ratio: z.number(),
    active: z.boolean(),
    nickname: z.string().optional(),
    motto: z.string().nullable(),
    scores: z.array(z.number().nullable()),
    labels: z.array(z.enum(['A', 'B'])),
    meta: z.record(z.string(), z.unknown()),
    address: z.object({ city: z.string(), zip: z.string().nullable(), lines: z.array(z.string()) }),
    contacts: z.array(z.object({ kind: z.enum(['MAIL', 'PHONE']), value: z.string() })),
    backup: z.object({ city: z.string() }).nullable(),
  }),
);

const profile = {
  handle: 'ada "the first" \u2028 \\ </script>',
  level: 'HIGH' as const,
  since: new Date('2026-02-03T04:05:06.789Z'),
  big: 2 ** 40,
  ratio: 0.1 + 0.2,
  active: false,
  motto: null,
  scores: [1e21, null, -0, 5e-7],
  labels: ['B', 'A'] as Array<'A' | 'B'>,
  meta: { nested: { list: [1, 'two', null] }, emoji: '\u{1F600}' },
  address: { city: 'Zürich', zip: null, lines: ['a', 'b'] },
  contacts: [{ kind: 'MAIL' as const, value: 'ada@example.com' }],
  backup: null,
};

let t: TestGateway;
let relay: TestGateway;

beforeAll(async () => {
  [t, relay] = await Promise.all([
    openTestGateway({ models: [...shopModels, Profile] }),
    openTestGateway({ models: [...shopModels, Profile], relay: true }),
  ]);
  for (const { gateway } of [t, relay]) {
    // One atomic write per slot: on a cluster these keys hash to different slots.
    await gateway.store.insert(
      [
        User.create({ name: 'Ada', age: 36, email: 'ada@example.com', balance: 10 }, { pk: 'u1' }),
        User.create({ name: 'Bob', age: 20, email: 'bob@example.com' }, { pk: 'u2' }),
        Product.create({ name: 'Pen', price: 1.5, tags: ['office'] }, { pk: 'p1' }),
        Order.create({ userId: 'User:u1', productId: 'Product:p1', quantity: 2, placedAt: new Date('2026-01-01T00:00:00Z') }, { pk: 'o1' }),
        Profile.create(profile, { pk: 'ada' }),
        Profile.create({ ...profile, nickname: 'Bee', motto: 'go', backup: { city: 'Bern' }, scores: [] }, { pk: 'bee' }),
      ],
      { atomicity: 'PER_SLOT' },
    );
  }
  await t.redis.client.set('User:bad-json', '{"name": ');
  // More seconds than GraphQL's Int holds: graphql-js answers an error for its ttl.
  await loadBatchReadScript(t.redis);
  await t.redis.client.set('User:forever', (await t.redis.client.get('User:u1')) ?? '', 'EX', 4_000_000_000);
});
afterAll(() => Promise.all([t?.close(), relay?.close()]));

const compile = (query: string, gateway = t.gateway, operationName?: string) =>
  compileOperation(gateway.schema, gateway.registry, parse(query), operationName);

/** A compiled run on a fresh session, as the server would start one per request. */
async function runCompiled(query: string, variables: Record<string, unknown> = {}, gateway = t.gateway, session?: StoreSession) {
  const compiled = compile(query, gateway);
  if (!compiled) throw new Error(`does not compile: ${query}`);
  return compiled.run(session ?? gateway.store.session(), variables);
}

/** graphql-js alone, on a session of its own: the response body a successful Yoga response carries. */
async function viaGraphqlJs(query: string, variables: Record<string, unknown> = {}, gateway = t.gateway, session?: StoreSession) {
  const contextValue = { session: session ?? gateway.store.session() };
  return JSON.stringify(await execute({ schema: gateway.schema, document: parse(query), variableValues: variables, contextValue }));
}

describe('which operations compile', () => {
  it.each([
    ['node', '{ node(key: "User:u1") { key } }'],
    ['nodes and __typename, with named fragments on Query', 'query { __typename ...Q } fragment Q on Query { nodes(keys: []) { key } }'],
    [
      'fragments on Model, Node, AnyModel and models, with directives',
      '{ nodes(keys: []) { ...on Node { id } ...A @skip(if: true) } } fragment A on AnyModel { ... on User { name } }',
    ],
    [
      'a nested object, a list of objects and every scalar',
      '{ node(key: "Profile:ada") { ... on Profile { address { city } contacts { kind } meta since big } } }',
    ],
  ])('compiles %s', (_name, query) => {
    expect(compile(query)).not.toBeNull();
  });

  it.each([
    ['a mutation', 'mutation { setTtl(key: "User:u1", seconds: 5) { key } }'],
    ['a reference field (it reads more keys)', '{ node(key: "Order:o1") { ... on Order { user { name } } } }'],
    ['a reference field inside a named fragment', '{ node(key: "Order:o1") { ...O } } fragment O on Order { product { name } }'],
    ['models', '{ models { name } }'],
    ['a finder page', '{ allUsers(first: 1) { edges { node { name } } } }'],
    ['introspection', '{ __schema { queryType { name } } }'],
    ['an operation name that is not in the document', 'query A { node(key: "User:u1") { key } }'],
  ])('does not compile %s', (_name, query) => {
    expect(compile(query, t.gateway, _name.startsWith('an operation name') ? 'B' : undefined)).toBeNull();
  });

  it('compiles the operation named, among several', () => {
    const document = 'query A { node(key: "User:u1") { key } } mutation B { setTtl(key: "User:u1", seconds: 5) { key } }';
    expect(compile(document, t.gateway, 'A')).not.toBeNull();
    expect(compile(document, t.gateway, 'B')).toBeNull();
    expect(compile(document, t.gateway)).toBeNull();
  });
});

describe('requests a compiled run answers itself, exactly as graphql-js does', () => {
  it.each([
    [
      'every Model field and __typename',
      '{ node(key: "User:u1") { __typename id key pk ttl ... on User { name age email balance } } }',
      {},
    ],
    [
      'nodes of existing keys with aliases, fragments, @skip/@include from variables, and ttl (a script read)',
      `query($keys: [ID!]!, $yes: Boolean!, $no: Boolean!) {
        first: nodes(keys: $keys) { k: key ...M @include(if: $yes) ... on Product @skip(if: $yes) { price } ...U }
        __typename
        again: node(key: "Order:o1") { ... on Order { status placedAt quantity @include(if: $no) } ttl }
      }
      fragment M on Model { pk ttl key }
      fragment U on User { name k: key ... on Node { id } }`,
      { keys: ['User:u2', 'Product:p1', 'User:u1', 'User:u2'], yes: true, no: false },
    ],
    [
      'the same response key merged from several selections, first occurrence first',
      '{ node(key: "User:u1") { name: key ... on User { age name: key } pk } }',
      {},
    ],
    [
      'nested objects, lists, records, enums, dates, nulls and strings that need escaping',
      `{ nodes(keys: ["Profile:ada", "Profile:bee"]) { ... on Profile {
          handle level since big ratio active nickname motto scores labels meta
          address { city zip lines __typename } contacts { value kind } backup { city } } } }`,
      {},
    ],
    ['skipMissing dropping a missing key', '{ nodes(keys: ["User:nobody", "User:u1"], skipMissing: true) { key } }', {}],
    ['an empty list of keys', '{ nodes(keys: []) { key } }', {}],
    [
      'one key where a list is expected, coerced to a list',
      'query($keys: [ID!]!) { a: nodes(keys: $keys) { key } b: nodes(keys: "User:u2") { key } }',
      { keys: 'User:u1' },
    ],
  ])('%s', async (_name, query, variables) => {
    const answered = await runCompiled(query, variables);
    expect(answered).not.toBe(HANDOVER);
    expect(answered).toBe(await viaGraphqlJs(query, variables));
  });

  it('answers the body Yoga sends for the same request', async () => {
    const query = 'query($k: ID!) { node(key: $k) { key ... on User { name } } }';
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { k: 'User:u1' } }),
    });
    expect(await runCompiled(query, { k: 'User:u1' })).toBe(await response.text());
  });

  it('answers a missing id with null under relay, as graphql-js does', async () => {
    const query = '{ a: node(id: "User:nobody") { id } b: nodes(ids: ["User:u1", "User:nobody"]) { id ... on User { name } } }';
    const answered = await runCompiled(query, {}, relay.gateway);
    expect(answered).toBe('{"data":{"a":null,"b":[{"id":"User:u1","name":"Ada"},null]}}');
    expect(answered).toBe(await viaGraphqlJs(query, {}, relay.gateway));
  });

  it('answers relay fragments on Node, Model and models, with ttl, from variables', async () => {
    const query = `query($ids: [ID!]!, $id: ID!, $full: Boolean!) {
      nodes(ids: $ids) { __typename id ... on Model @include(if: $full) { key ttl } ... on Product { price } }
      node(id: $id) { ...N }
    }
    fragment N on Node { id ... on Order { status ttl } }`;
    const variables = { ids: ['Product:p1', 'User:nobody', 'Order:o1'], id: 'Order:o1', full: true };
    const answered = await runCompiled(query, variables, relay.gateway);
    expect(answered).not.toBe(HANDOVER);
    expect(answered).toBe(await viaGraphqlJs(query, variables, relay.gateway));
  });

  it('hands over a malformed id under relay (INVALID_KEY at its path)', async () => {
    expect(await runCompiled('{ nodes(ids: ["User:u1", "nokey"]) { id } }', {}, relay.gateway)).toBe(HANDOVER);
  });
});

describe('requests a compiled run hands over', () => {
  it.each([
    ['a missing key (KEY_NOT_FOUND)', '{ nodes(keys: ["User:u1", "User:nobody"]) { key } }', {}],
    ['a missing key of node', '{ node(key: "User:nobody") { key } }', {}],
    ['a document that does not decode', '{ nodes(keys: ["User:bad-json"], skipMissing: true) { key } }', {}],
    ['a malformed key', '{ node(key: "nokey") { key } }', {}],
    ['a ttl too large for Int', '{ node(key: "User:forever") { key ttl } }', {}],
    ['a key of no model', '{ nodes(keys: ["Nope:1"]) { key } }', {}],
    ['variables graphql-js does not accept', 'query($k: ID!) { node(key: $k) { key } }', { k: { not: 'an id' } }],
    ['a required variable left out', 'query($k: ID!) { node(key: $k) { key } }', {}],
  ])('%s, giving back what it drew from the budget', async (_name, query, variables) => {
    const session = t.gateway.store.session();
    expect(await runCompiled(query, variables, t.gateway, session)).toBe(HANDOVER);
    expect(session.budget.spent).toEqual({ keys: 0, cost: 0 });
  });

  it('hands over a request over its budget before reading anything', async () => {
    // Over the same Redis, which it leaves open when it closes.
    const small = createGateway({ models: [...shopModels, Profile], redis: t.redis.client, limits: { maxKeys: 2 } });
    try {
      const query = '{ nodes(keys: ["User:u1", "User:u2", "User:u3"]) { key } }';
      const session = small.store.session();
      const { result, commands } = await t.redis.countCommands(() => runCompiled(query, {}, small, session));
      expect(result).toBe(HANDOVER);
      expect(commands).toEqual([]);
      expect(session.budget.spent).toEqual({ keys: 0, cost: 0 });
    } finally {
      await small.close();
    }
  });

  it('leaves the session so that graphql-js answers the request after it without reading again', async () => {
    const query = '{ a: nodes(keys: ["User:u1", "User:nobody"]) { key ttl } b: node(key: "Product:p1") { key } }';
    const fresh = await viaGraphqlJs(query);
    const session = t.gateway.store.session();
    const { result, commands } = await t.redis.countCommands(async () => {
      expect(await runCompiled(query, {}, t.gateway, session)).toBe(HANDOVER);
      return viaGraphqlJs(query, {}, t.gateway, session);
    });
    expect(result).toBe(fresh);
    expect(describeReads(commands)).toEqual(oneBatchRead(t.redis, ['User:u1', 'User:nobody', 'Product:p1'], 'script'));
    expect(session.budget.spent).toEqual({ keys: 3, cost: 5 });
  });
});

describe('the same Redis commands and budget as the general path', () => {
  it.each([
    [
      'node and nodes without ttl: one MGET',
      '{ a: node(key: "User:u1") { key } b: nodes(keys: ["User:u2", "Product:p1", "User:u1"]) { key } }',
      ['User:u1', 'User:u2', 'Product:p1'],
      'mget',
    ],
    [
      'ttl selected in a fragment under @skip: one script call',
      '{ a: nodes(keys: ["User:u1"]) { key ...T @skip(if: true) } } fragment T on Model { ttl }',
      ['User:u1'],
      'script',
    ],
    [
      'a model whose reads refresh its ttl: one script call',
      '{ nodes(keys: ["Order:o1", "User:u1"]) { key } }',
      ['Order:o1', 'User:u1'],
      'script',
    ],
    [
      'the same key with and without ttl: read once',
      '{ a: node(key: "User:u1") { ttl } b: node(key: "User:u1") { key } }',
      ['User:u1'],
      'script',
    ],
  ] as const)('%s', async (_name, query, keys, how) => {
    const general = t.gateway.store.session();
    const compiled = t.gateway.store.session();
    const viaGeneral = await t.redis.countCommands(() => viaGraphqlJs(query, {}, t.gateway, general));
    const viaCompiled = await t.redis.countCommands(() => runCompiled(query, {}, t.gateway, compiled));
    expect(viaCompiled.result).toBe(viaGeneral.result);
    expect(describeReads(viaCompiled.commands)).toEqual(oneBatchRead(t.redis, keys, how));
    expect(describeReads(viaCompiled.commands)).toEqual(describeReads(viaGeneral.commands));
    expect(compiled.budget.spent).toEqual(general.budget.spent);
  });
});
