import { readFile } from 'node:fs/promises';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { User } from '../examples/shop.js';
import type { GatewayLimits } from '../src/server/create-gateway.js';
import { describeReads, loadBatchReadScript, oneBatchRead } from './helpers/batch-reads.js';
import { isScriptCall } from './helpers/command-counter.js';
import { errorCodes, openTestGateway, type GraphQLErrorBody, type TestGateway } from './helpers/test-gateway.js';

/** Limits high enough that only the limit under test can refuse. */
const OPEN: Partial<GatewayLimits> = {
  maxBodyBytes: 10_000_000,
  maxTokens: 1_000_000,
  maxAliases: 100_000,
  maxDepth: 100,
  maxDirectives: 100_000,
};

/** Posts a raw body, as a client would, and reads what came back. */
async function post(t: TestGateway, body: BodyInit, headers: Record<string, string> = {}) {
  const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  const parsed = (await response.json()) as { data?: unknown; errors?: GraphQLErrorBody[] };
  return { status: response.status, data: parsed.data, errors: parsed.errors };
}

const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const userKeys = (count: number) => Array.from({ length: count }, (_, i) => `User:u${i}`);

/** Sends `query`, expecting it refused whole with `code`, HTTP 400, and no command reaching Redis. */
async function expectRefused(t: TestGateway, query: string, code: string, variables?: unknown) {
  const { result, commands } = await t.redis.countCommands(() => t.execute(query, variables));
  expect(errorCodes(result.errors)).toEqual([{ path: undefined, code }]);
  expect(result.status).toBe(400);
  expect(result.data).toBeUndefined();
  expect(commands).toEqual([]);
  return result.errors?.[0];
}

describe('the per-request key and cost budget, estimated before execution', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ limits: OPEN });
  });
  afterAll(() => t.close());
  // Seeded before each test: on a cluster every gateway this file opens shares one Redis, emptied as each opens. One
  // atomic write per slot, since on a cluster the three keys hash to different slots.
  beforeEach(async () => {
    await t.gateway.store.insert(
      userKeys(3).map((key) => User.create({ name: 'N', age: 1, email: 'n@example.com' }, { pk: key.slice(5) })),
      { atomicity: 'PER_SLOT' },
    );
  });

  it('refuses 10,000 aliases of models with QUERY_TOO_EXPENSIVE naming the estimate and the limit', async () => {
    const error = await expectRefused(t, aliases(10_000, 'models { name }'), 'QUERY_TOO_EXPENSIVE');
    expect(error?.extensions).toMatchObject({ estimate: 10_000, limit: 5000 });
    expect(error?.message).toContain('an estimated 10000; at most 5000');
  });

  it('refuses 60 aliases of allUsers(first: 1000): each page costs its first', async () => {
    const error = await expectRefused(t, aliases(60, 'allUsers(first: 1000) { totalCount }'), 'QUERY_TOO_EXPENSIVE');
    expect(error?.extensions).toMatchObject({ estimate: 60 * 1001, limit: 5000 });
  });

  it("charges a finder's default first of 50", async () => {
    const t2 = await openTestGateway({ limits: { ...OPEN, maxCost: 100 } });
    try {
      const error = await expectRefused(t2, aliases(2, 'allUsers { totalCount }'), 'QUERY_TOO_EXPENSIVE');
      expect(error?.extensions).toMatchObject({ estimate: 102, limit: 100 });
    } finally {
      await t2.close();
    }
  });

  it('charges a first given as a variable its value, and its default of 50 when the variable is not sent', async () => {
    const t2 = await openTestGateway({ limits: { ...OPEN, maxCost: 100 } });
    try {
      const query = `query ($first: Int) ${aliases(2, 'allUsers(first: $first) { totalCount }')}`;
      const sent = await expectRefused(t2, query, 'QUERY_TOO_EXPENSIVE', { first: 60 });
      expect(sent?.extensions).toMatchObject({ estimate: 122, limit: 100 });
      const unsent = await expectRefused(t2, query, 'QUERY_TOO_EXPENSIVE', {});
      expect(unsent?.extensions).toMatchObject({ estimate: 102, limit: 100 });
    } finally {
      await t2.close();
    }
  });

  it('refuses 20 aliases of allUsers(keys: 1000 keys) with TOO_MANY_KEYS: maxKeys counts every path of the request', async () => {
    const error = await expectRefused(t, `query ($keys: [ID!]) ${aliases(20, 'allUsers(keys: $keys) { totalCount }')}`, 'TOO_MANY_KEYS', {
      keys: userKeys(1000),
    });
    expect(error?.extensions).toMatchObject({ count: 20_000, limit: 1000 });
  });

  it('adds node, nodes and all<Model>s(keys) together, through fragments', async () => {
    const query = `query ($keys: [ID!]!) { a: nodes(keys: $keys) { key } ...F ... on Query { c: allUsers(keys: ["u1"]) { totalCount } } }
      fragment F on Query { b: node(key: "User:u0") { key } }`;
    const error = await expectRefused(t, query, 'TOO_MANY_KEYS', { keys: userKeys(999) });
    expect(error?.extensions).toMatchObject({ count: 1001, limit: 1000 });
  });

  it('counts a fragment spread many times once, as execution runs it: 40 fragments, each spreading the next twice, are served', async () => {
    // Counting every spread would be 2^40 fields: the request would never be answered.
    const depth = 40;
    const fragments = Array.from({ length: depth }, (_, i) =>
      i + 1 < depth ? `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Query { node(key: "User:u0") { key } }`,
    ).join(' ');
    const { status, errors, data } = await t.execute(`query { ...F0 } ${fragments}`);
    expect(errors).toBeUndefined();
    expect(status).toBe(200);
    expect(data).toEqual({ node: { key: 'User:u0' } });
  });

  it('serves a frontend query of nodes with 1000 keys, and finder pages next to it', async () => {
    const query = `query ($keys: [ID!]!) { nodes(keys: $keys, skipMissing: true) { key } allUsers(first: 1000) { totalCount } allProducts { totalCount } }`;
    const { status, errors, data } = await t.execute(query, { keys: userKeys(1000) });
    expect(errors).toBeUndefined();
    expect(status).toBe(200);
    expect((data as { nodes: unknown[] }).nodes).toHaveLength(3);
  });
});

describe('the session budget, the authority on every path', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ limits: { maxKeys: 5, maxCost: 60 } });
    await t.gateway.store.insert([User.create({ name: 'N', age: 1, email: 'n@example.com' }, { pk: 'u0' })]);
    await loadBatchReadScript(t.redis);
  });
  afterAll(() => t.close());

  /** Runs `action` and expects it refused with `code` while Redis receives nothing. */
  async function expectSessionRefusal(action: () => Promise<unknown>, code: string) {
    const { result, commands } = await t.redis.countCommands(() => action().then(null, (error: unknown) => error));
    expect(result).toMatchObject({ code });
    expect(commands).toEqual([]);
  }

  it('refuses the read that passes maxKeys, over get, find, findByKeys and loadMany together', async () => {
    const session = t.gateway.store.session();
    await session.get('User:u0');
    await session.find(['User:u0'], { skipMissing: true });
    await session.findByKeys(User, ['u0', 'u1'], { skipMissing: true });
    await expectSessionRefusal(() => session.loadMany(['User:u0', 'User:u1']), 'TOO_MANY_KEYS');
    // The refused read took nothing: one more key still fits.
    await session.get('User:u0');
    await expectSessionRefusal(() => session.get('User:u0'), 'TOO_MANY_KEYS');
    expect(session.budget.spent).toEqual({ keys: 5, cost: 5 });
  });

  it('refuses the finder page that passes maxCost', async () => {
    const session = t.gateway.store.session();
    await session.findModels(User, { first: 50 });
    await expectSessionRefusal(() => session.findModels(User, { first: 11 }), 'QUERY_TOO_EXPENSIVE');
  });

  it('counts the keys deleteMany deletes in the same budget: a second alias that passes maxKeys deletes nothing', async () => {
    // Keys of one hash tag: each alias is one atomic delete on a cluster too.
    await t.gateway.store.insert([User.create({ name: 'N', age: 1, email: 'n@example.com' }, { pk: '{d}0' })]);
    const { result, commands } = await t.redis.countCommands(() =>
      t.execute(
        `mutation { a: deleteMany(keys: ["User:{d}x1", "User:{d}x2", "User:{d}x3"]) { count } b: deleteMany(keys: ["User:{d}0", "User:{d}x4", "User:{d}x5"]) { count } }`,
      ),
    );
    expect(result.data).toBeNull(); // deleteMany is non-null: the refused alias takes data with it, after the first ran
    expect(errorCodes(result.errors)).toEqual([{ path: 'b', code: 'TOO_MANY_KEYS' }]);
    expect(commands.filter(isScriptCall)).toHaveLength(1);
    expect(await t.redis.exists('User:{d}0')).toBe(1);
  });

  it('gives each Store call a budget of its own', async () => {
    await expectSessionRefusal(() => t.gateway.store.find(userKeys(6)), 'TOO_MANY_KEYS');
    for (let call = 0; call < 3; call++) expect(await t.gateway.store.find(userKeys(5), { skipMissing: true })).toHaveLength(1);
  });

  it('refuses, without the early estimate, the GraphQL field that passes a limit and serves the ones before it', async () => {
    const session = t.gateway.store.session();
    const document = parse(
      `{ a: nodes(keys: ["User:u0", "User:u0", "User:u0", "User:u0", "User:u0"]) { key } b: node(key: "User:u0") { key } }`,
    );
    const { result, commands } = await t.redis.countCommands(async () =>
      execute({ schema: t.gateway.schema, document, contextValue: { session } }),
    );
    expect(result.data).toEqual({ a: Array(5).fill({ key: 'User:u0' }), b: null });
    expect(result.errors?.map((error) => [error.path?.join('.'), error.extensions.code])).toEqual([['b', 'TOO_MANY_KEYS']]);
    expect(describeReads(commands)).toEqual(oneBatchRead(t.redis, ['User:u0']));
  });

  it('charges each GraphQL root field, so aliases run out of cost even when they read nothing', async () => {
    const session = t.gateway.store.session();
    const result = await execute({ schema: t.gateway.schema, document: parse(aliases(61, 'models { name }')), contextValue: { session } });
    expect(result.errors?.map((error) => [error.path?.join('.'), error.extensions.code])).toEqual([['a60', 'QUERY_TOO_EXPENSIVE']]);
  });
});

describe('the shape of the operation (graphql-armor)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // Deep where trees are how these specs nest input; the where's own depth cap is a finder rule
    // (finder-bounds.test.ts), lifted here so that only the document and variables limits apply.
    t = await openTestGateway({ limits: { maxWhereDepth: 1000 } });
  });
  afterAll(() => t.close());

  it.each([
    ['maxDepth', 12, `{ ${'a { '.repeat(12)}b${' }'.repeat(12)} }`, 'Query depth limit of 12 exceeded, found 13.'],
    ['maxAliases', 30, aliases(31, 'models { name }'), 'Aliases limit of 30 exceeded, found 31.'],
    ['maxAliases', 30, aliases(31, '__typename'), 'Aliases limit of 30 exceeded, found 31.'],
    [
      'maxDirectives',
      50,
      `{ models @skip(if: false) { name ${'@skip(if: false) '.repeat(50)}} }`,
      'Directives limit of 50 exceeded, found 51.',
    ],
    ['maxTokens', 1000, `{ models { ${'name '.repeat(1000)}} }`, 'Token limit of 1000 exceeded.'],
  ])('refuses an operation over %s (%i) with QUERY_TOO_COMPLEX, HTTP 400', async (limit, max, query, message) => {
    const error = await expectRefused(t, query, 'QUERY_TOO_COMPLEX');
    expect(error?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', option: limit, limit: max });
    expect(error?.message).toContain(message);
  });

  it('answers 400 to a refusal at parse time whatever the client accepts', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const { status, errors } = await post(t, JSON.stringify({ query: aliases(400, '__typename') }), { accept });
      expect(status).toBe(400);
      expect(errorCodes(errors)).toEqual([{ path: undefined, code: 'QUERY_TOO_COMPLEX' }]);
    }
  });

  it.each([
    ['selections', `${'{ a '.repeat(3000)}${'}'.repeat(3000)}`],
    ['a list literal', `{ nodes(keys: ${'['.repeat(3000)}${']'.repeat(3000)}) { key } }`],
    ['an input object literal', `{ allUsers(where: ${'{ not: '.repeat(3000)}{}${' }'.repeat(3000)}) { totalCount } }`],
  ])('refuses query text with %s nested 3000 deep before the parser overflows', async (_shape, query) => {
    const error = await expectRefused(t, query, 'QUERY_TOO_COMPLEX');
    expect(error?.extensions).toMatchObject({ option: 'maxTokens' });
  });

  it('lets the parser descend as deep as the token limit allows, and refuses there', async () => {
    await expectRefused(t, `{ nodes(keys: ${'['.repeat(997)}${']'.repeat(997)}) { key } }`, 'QUERY_TOO_COMPLEX');
  });

  it.each([
    ['a list literal', `{ nodes(keys: ${'['.repeat(490)}${']'.repeat(490)}) { key } }`],
    ['an input object literal', `{ allUsers(where: ${'{ not: '.repeat(245)}{}${' }'.repeat(245)}) { totalCount } }`],
  ])('answers %s nested as deep as fits in the token limit without an internal error', async (_shape, query) => {
    const { status, errors } = await t.execute(query);
    expect(status).toBeLessThan(500);
    expect(errorCodes(errors)).not.toContainEqual(expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }));
    expect(errorCodes(errors)).not.toContainEqual(expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }));
  });

  it('refuses variables nested 10,000 deep with QUERY_TOO_COMPLEX before graphql-js coerces them', async () => {
    const where = `${'{"not":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
    const body = `{"query":"query ($where: UserWhere) { allUsers(where: $where) { totalCount } }","variables":{"where":${where}}}`;
    const { result, commands } = await t.redis.countCommands(() => post(t, body));
    expect(result.status).toBe(400);
    expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'QUERY_TOO_COMPLEX' }]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ option: 'maxVariablesDepth', limit: 100 });
    expect(commands).toEqual([]);
  });

  it('serves variables at the depth limit', async () => {
    // The variables object is level 1, `where` level 2: 98 nots and the empty filter reach 100.
    const where = JSON.parse(`${'{"not":'.repeat(98)}{}${'}'.repeat(98)}`) as unknown;
    const { status, errors } = await t.execute('query ($where: UserWhere) { allUsers(where: $where) { totalCount } }', { where });
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
  });
});

describe('the request body', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  const padded = (bytes: number) => {
    const shell = JSON.stringify({ query: '{ __typename }', extensions: { pad: '' } });
    return shell.replace('"pad":""', `"pad":"${'x'.repeat(bytes - shell.length)}"`);
  };

  it('refuses a body over 1 MB with REQUEST_TOO_LARGE, HTTP 413, naming its size', async () => {
    const { status, errors } = await post(t, padded(1_000_001));
    expect(status).toBe(413);
    expect(errorCodes(errors)).toEqual([{ path: undefined, code: 'REQUEST_TOO_LARGE' }]);
    expect(errors?.[0]?.extensions).toMatchObject({ size: 1_000_001, limit: 1_000_000 });
  });

  it('refuses a chunked body with no Content-Length once it passes the limit', async () => {
    const chunk = new TextEncoder().encode(padded(1_000_001));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < chunk.length; at += 64 * 1024) controller.enqueue(chunk.slice(at, at + 64 * 1024));
        controller.close();
      },
    });
    const { status, errors } = await post(t, stream);
    expect(status).toBe(413);
    expect(errorCodes(errors)).toEqual([{ path: undefined, code: 'REQUEST_TOO_LARGE' }]);
    expect(errors?.[0]?.extensions).toMatchObject({ size: null, limit: 1_000_000 });
  });

  it('serves a body at the limit', async () => {
    const { status, data } = await post(t, padded(1_000_000));
    expect(status).toBe(200);
    expect(data).toEqual({ __typename: 'Query' });
  });
});

describe('the parse cache', () => {
  const budget = 4_000_000;
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ limits: { parseCacheBytes: budget } });
  });
  afterAll(() => t.close());

  it('keeps distinct ~1 MB documents within its byte budget', async () => {
    for (let i = 0; i < 12; i++) {
      // A valid document padded with a comment: cheap to parse, costly to keep.
      const query = `{ __typename } # ${i} ${'x'.repeat(900_000)}`;
      expect((await post(t, JSON.stringify({ query }))).status).toBe(200);
    }
    const { documents } = t.gateway.parseCache;
    expect(documents.size).toBe(4);
    expect(documents.calculatedSize).toBeLessThanOrEqual(budget);
  });

  it('keeps the texts of refused ~1 MB documents within the same budget', async () => {
    for (let i = 0; i < 12; i++) {
      const query = `{ b${i}: __typename ${'a: __typename '.repeat(70_000)}}`;
      const { status, errors } = await post(t, JSON.stringify({ query }));
      expect(status).toBe(400);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', option: 'maxTokens' });
    }
    const { errors } = t.gateway.parseCache;
    expect(errors.size).toBe(4);
    expect(errors.calculatedSize).toBeLessThanOrEqual(budget);
  });
});

describe('defaults a real frontend never hits', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  it("let every README query through the limits (only the data's own errors come back)", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const queries = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const query of queries) {
      const { status, errors } = await t.execute(query);
      expect(status).toBe(200);
      const limitCodes = ['QUERY_TOO_COMPLEX', 'QUERY_TOO_EXPENSIVE', 'TOO_MANY_KEYS', 'REQUEST_TOO_LARGE'];
      expect(errorCodes(errors).filter((error) => limitCodes.includes(String(error.code)))).toEqual([]);
    }
  });
});
