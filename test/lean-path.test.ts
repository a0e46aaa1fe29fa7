import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Product, User } from '../examples/shop.js';
import type { GatewayOptions, RouteCounts } from '../src/index.js';
import { describeReads, loadBatchReadScript, oneBatchRead } from './helpers/batch-reads.js';
import { listenHandler } from './helpers/listen-handler.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * The lean path: `gateway.handler` answers a JSON POST whose operation it has compiled without Yoga, and
 * gives everything else to Yoga. What a client relies on is that it cannot tell which path answered:
 * the same status, headers and body, and every check of the general path held on the lean one. Each
 * check is asserted by the route the request took (gateway.routes) and by the refusal Yoga then sent.
 */

const NODES = 'query Nodes($keys: [ID!]!) { nodes(keys: $keys) { __typename key ... on User { name age } } }';

interface Served {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A gateway behind node:http on a free loopback port, serving `gateway.handler`. */
async function serveGateway(options: Partial<Omit<GatewayOptions, 'redis'>> = {}) {
  const t = await openTestGateway(options);
  const { url, close } = await listenHandler(t.gateway.handler);
  return { t, url, close: async () => (await close(), await t.close()) };
}

/** Only the headers a client reads: connection management and the date differ from one response to the next. */
const IGNORED = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** Status, the headers a client reads (names in lower case, as they are case-insensitive on the wire) and body. */
async function served(response: globalThis.Response): Promise<Served> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!IGNORED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Served> {
  return served(await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body }));
}

const post = (url: string, query: string, variables: unknown, headers: Record<string, string> = {}) =>
  send(url, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });

/** The same request through Yoga alone, the general path. */
async function viaYoga(t: TestGateway, query: string, variables: unknown, headers: Record<string, string> = {}): Promise<Served> {
  const response = await t.gateway.yoga.fetch('http://127.0.0.1/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const seen = await served(response);
  // node:http adds Content-Length to a body Yoga's fetch response leaves to the server.
  seen.headers['content-length'] ??= String(Buffer.byteLength(seen.body));
  return seen;
}

/** Which routes a step took, as counts. */
async function routesOf(t: TestGateway, step: () => Promise<unknown>): Promise<Partial<RouteCounts>> {
  const before = { ...t.gateway.routes };
  await step();
  const taken: Partial<RouteCounts> = {};
  for (const [route, count] of Object.entries(t.gateway.routes) as Array<[keyof RouteCounts, number]>)
    if (count !== before[route]) taken[route] = count - before[route];
  return taken;
}

const READER = 'reader-key-0123456789';
const PRODUCT_READER = 'product-reader-0123456789';
const WRITER = 'writer-key-0123456789';

/** One atomic write per slot: on a cluster the three keys hash to different slots. */
async function seed(t: TestGateway) {
  await t.gateway.store.insert(
    [
      User.create({ name: 'Alice', age: 30, email: 'alice@example.com' }, { pk: 'alice' }),
      User.create({ name: 'Bob', age: 40, email: 'bob@example.com' }, { pk: 'bob' }),
      Product.create({ name: 'Book', price: 12 }, { pk: 'book' }),
    ],
    { atomicity: 'PER_SLOT' },
  );
}

/** Sends a request once so that Yoga executes its operation and the lean path learns it. */
const learn = async (url: string, query: string, variables: unknown, headers: Record<string, string> = {}) => {
  await post(url, query, variables, headers);
};

describe('gateway.handler', () => {
  let s: Awaited<ReturnType<typeof serveGateway>>;

  beforeAll(async () => {
    s = await serveGateway({ limits: { maxKeys: 5, maxVariablesDepth: 3 } });
    await loadBatchReadScript(s.t.redis);
  });
  afterAll(async () => {
    await s.close();
  });
  // Seeded before each test: on a cluster every gateway this file opens shares one Redis, emptied as each opens.
  beforeEach(() => seed(s.t));

  it('answers an operation Yoga has executed once on the lean path, exactly as Yoga answers it', async () => {
    const variables = { keys: ['User:alice', 'Product:book', 'User:alice'] };
    expect(await routesOf(s.t, () => post(s.url, NODES, variables))).toEqual({ operation: 1 });
    let lean: Served | undefined;
    const headers = { 'x-request-id': 'same-1' };
    expect(await routesOf(s.t, async () => (lean = await post(s.url, NODES, variables, headers)))).toEqual({ lean: 1 });
    expect(lean).toEqual(await viaYoga(s.t, NODES, variables, headers));
    expect(JSON.parse(lean?.body ?? '')).toEqual({
      data: {
        nodes: [
          { __typename: 'User', key: 'User:alice', name: 'Alice', age: 30 },
          { __typename: 'Product', key: 'Product:book' },
          { __typename: 'User', key: 'User:alice', name: 'Alice', age: 30 },
        ],
      },
    });
  });

  it('answers in the media type Yoga would choose, for each Accept header', async () => {
    const variables = { keys: ['User:bob'] };
    await learn(s.url, NODES, variables);
    const accepts = [
      undefined,
      '*/*',
      'application/json',
      'application/graphql-response+json',
      // Apollo Client's and urql's.
      'application/graphql-response+json,application/json;q=0.9',
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
      'application/json; charset=utf-8',
    ];
    for (const accept of accepts) {
      const headers: Record<string, string> = accept === undefined ? {} : { accept };
      headers['x-request-id'] = 'accept-1';
      let lean: Served | undefined;
      expect(await routesOf(s.t, async () => (lean = await post(s.url, NODES, variables, headers)))).toEqual({ lean: 1 });
      expect(lean, `Accept: ${accept}`).toEqual(await viaYoga(s.t, NODES, variables, headers));
    }
  });

  it('leaves to Yoga what only a stream or another charset answers', async () => {
    await learn(s.url, NODES, { keys: ['User:bob'] });
    for (const accept of ['text/event-stream', 'application/json; charset=iso-8859-1', 'text/html']) {
      const taken = await routesOf(s.t, () => post(s.url, NODES, { keys: ['User:bob'] }, { accept }));
      expect(taken, accept).toEqual({ general: 1 });
    }
  });

  it('leaves to Yoga every request that is not a JSON POST to the endpoint with a Content-Length', async () => {
    const query = '{ node(key: "User:alice") { key } }';
    await learn(s.url, query, {});
    const body = JSON.stringify({ query });
    const cases: Array<[string, () => Promise<Served>]> = [
      ['a GET', () => send(`${s.url}?query=${encodeURIComponent(query)}`, { method: 'GET', headers: { 'x-graphql-yoga-csrf': '1' } })],
      ['a query string', () => send(`${s.url}?x=1`, { headers: { 'content-type': 'application/json' }, body })],
      ['application/graphql+json', () => send(s.url, { headers: { 'content-type': 'application/graphql+json' }, body })],
      ['a form', () => send(s.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${query}` })],
      ['a chunked body', () => sendChunked(s.url, body)],
    ];
    for (const [name, request] of cases) {
      let served: Served | undefined;
      expect(await routesOf(s.t, async () => (served = await request())), name).toEqual({ general: 1 });
      if (name === 'a form') expect(JSON.parse(served?.body ?? '').errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      else expect(JSON.parse(served?.body ?? ''), name).toEqual({ data: { node: { key: 'User:alice' } } });
    }
  });

  it('refuses a body over maxBodyBytes before reading it, as Yoga does', async () => {
    const small = await serveGateway({ limits: { maxBodyBytes: 200 } });
    try {
      const query = `{ node(key: "User:${'a'.repeat(300)}") { key } }`;
      let served: Served | undefined;
      expect(await routesOf(small.t, async () => (served = await post(small.url, query, {})))).toEqual({ general: 1 });
      expect(served?.status).toBe(413);
      expect(JSON.parse(served?.body ?? '').errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('never learns an operation over a limit of its shape (aliases, depth, tokens, directives): Yoga refuses it every time', async () => {
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: node(key: "User:alice") { key }`).join(' ')} }`;
    for (let i = 0; i < 2; i++) {
      let served: Served | undefined;
      expect(await routesOf(s.t, async () => (served = await post(s.url, aliases, {})))).toEqual({ operation: 1 });
      expect(served?.status).toBe(400);
      expect(JSON.parse(served?.body ?? '').errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    }
  });

  it('hands Yoga a body that is not the usual parameters', async () => {
    for (const body of ['{"query": 1}', '[{"query": "{ __typename }"}]', '{"query": "{ __typename }", "variables": [1]}', 'not json']) {
      const taken = await routesOf(s.t, () => send(s.url, { headers: { 'content-type': 'application/json' }, body }));
      expect(taken, body).toEqual({ body: 1 });
    }
  });

  it('refuses variables nested deeper than maxVariablesDepth', async () => {
    await learn(s.url, NODES, { keys: ['User:bob'] });
    let served: Served | undefined;
    const deep = { keys: ['User:bob'], extra: { a: { b: { c: 1 } } } };
    expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, deep)))).toEqual({ variables: 1 });
    expect(served?.status).toBe(400);
    expect(JSON.parse(served?.body ?? '').errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', option: 'maxVariablesDepth' });
  });

  it('refuses more keys than maxKeys before reading any', async () => {
    await learn(s.url, NODES, { keys: ['User:bob'] });
    const keys = Array.from({ length: 6 }, (_, i) => `User:k${i}`);
    let served: Served | undefined;
    const { commands } = await s.t.redis.countCommands(async () => {
      expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, { keys })))).toEqual({ cost: 1 });
    });
    expect(commands).toEqual([]);
    expect(served?.status).toBe(400);
    expect(JSON.parse(served?.body ?? '').errors[0].extensions).toMatchObject({ code: 'TOO_MANY_KEYS', limit: 5 });
  });

  it('keeps as many operations as the parse cache, and learns an evicted one again from Yoga', async () => {
    const small = await serveGateway({ limits: { parseCacheEntries: 1 } });
    try {
      const [a, b] = ['{ node(key: "User:nobody-a") { key } }', '{ node(key: "User:nobody-b") { key } }'];
      const routesOfSending = (query: string) => routesOf(small.t, () => post(small.url, query, {}));
      expect(await routesOfSending(a)).toEqual({ operation: 1 });
      expect(await routesOfSending(a)).toEqual({ plan: 1 });
      expect(await routesOfSending(b)).toEqual({ operation: 1 });
      expect(await routesOfSending(a)).toEqual({ operation: 1 });
    } finally {
      await small.close();
    }
  });

  it('reads nothing twice when a request it began is answered by Yoga', async () => {
    await learn(s.url, NODES, { keys: ['User:bob'] });
    let served: Served | undefined;
    const { commands } = await s.t.redis.countCommands(async () => {
      const variables = { keys: ['User:bob', 'User:nobody'] };
      expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, variables)))).toEqual({ plan: 1 });
    });
    expect(describeReads(commands)).toEqual(oneBatchRead(s.t.redis, ['User:bob', 'User:nobody']));
    expect(JSON.parse(served?.body ?? '')).toMatchObject({
      data: { nodes: [{ key: 'User:bob' }, null] },
      errors: [{ path: ['nodes', 1], extensions: { code: 'KEY_NOT_FOUND' } }],
    });
  });
});

describe('gateway.handler with API keys', () => {
  let s: Awaited<ReturnType<typeof serveGateway>>;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    s = await serveGateway({
      auth: {
        apiKeys: [
          { key: READER, scopes: ['read'] },
          { key: PRODUCT_READER, scopes: ['read'], models: ['Product'] },
          { key: WRITER, scopes: ['write'] },
        ],
      },
    });
    await seed(s.t);
    await learn(s.url, NODES, { keys: ['User:alice'] }, bearer(READER));
  });
  afterAll(async () => {
    await s.close();
  });

  it('serves a caller whose key may read', async () => {
    let served: Served | undefined;
    expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, { keys: ['User:alice'] }, bearer(READER))))).toEqual({
      lean: 1,
    });
    expect(JSON.parse(served?.body ?? '').data.nodes).toEqual([{ __typename: 'User', key: 'User:alice', name: 'Alice', age: 30 }]);
  });

  it.each([
    ['no key', {}, 401, 'UNAUTHENTICATED'],
    ['a token that matches no key', bearer('guess-0123456789'), 401, 'UNAUTHENTICATED'],
    ['a key without the read scope', bearer(WRITER), 403, 'FORBIDDEN'],
  ])('refuses a caller with %s', async (_name, headers, status, code) => {
    let served: Served | undefined;
    expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, { keys: ['User:alice'] }, headers)))).toEqual({ auth: 1 });
    expect(served?.status).toBe(status);
    expect(JSON.parse(served?.body ?? '')).toMatchObject({ errors: [{ extensions: { code } }] });
    expect(JSON.parse(served?.body ?? '').data).toBeUndefined();
  });

  it('answers FORBIDDEN in the slot of a model the key may not read, and the rest', async () => {
    let served: Served | undefined;
    const variables = { keys: ['User:alice', 'Product:book'] };
    expect(await routesOf(s.t, async () => (served = await post(s.url, NODES, variables, bearer(PRODUCT_READER))))).toEqual({
      plan: 1,
    });
    expect(JSON.parse(served?.body ?? '')).toMatchObject({
      data: { nodes: [null, { key: 'Product:book' }] },
      errors: [{ path: ['nodes', 0], extensions: { code: 'FORBIDDEN' } }],
    });
  });
});

describe('gateway.handler and CORS', () => {
  it('sends the CORS headers Yoga sends, to a listed origin only', async () => {
    const s = await serveGateway({ cors: { origins: ['https://a.example', 'https://b.example'], credentials: true } });
    try {
      await seed(s.t);
      const variables = { keys: ['User:alice'] };
      await learn(s.url, NODES, variables);
      for (const origin of ['https://a.example', 'https://b.example', 'https://evil.example']) {
        const headers = { origin, 'x-request-id': 'cors-1' };
        let lean: Served | undefined;
        expect(await routesOf(s.t, async () => (lean = await post(s.url, NODES, variables, headers)))).toEqual({ lean: 1 });
        expect(lean, origin).toEqual(await viaYoga(s.t, NODES, variables, headers));
        expect(lean?.headers['access-control-allow-origin'], origin).toBe(origin === 'https://evil.example' ? undefined : origin);
      }
    } finally {
      await s.close();
    }
  });

  it('sends none by default', async () => {
    const s = await serveGateway();
    try {
      await seed(s.t);
      await learn(s.url, NODES, { keys: ['User:alice'] });
      const lean = await post(s.url, NODES, { keys: ['User:alice'] }, { origin: 'https://a.example' });
      expect(Object.keys(lean.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(s.t.gateway.routes.lean).toBe(1);
    } finally {
      await s.close();
    }
  });
});

/** A POST whose body has no Content-Length: node:http sends it chunked. */
function sendChunked(url: string, body: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: {}, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.write(body.slice(0, 5));
    request.end(body.slice(5));
  });
}
