import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway } from '../src/index.js';
import { models as shopModels } from '../examples/shop.js';
import { gatewayError } from './helpers/gateway-error.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * What a page on another site can make a visitor's browser send to the gateway: forms (which need no
 * preflight), simple GETs, and CORS requests. Each refusal is asserted with its status, its code, and the
 * commands Redis received (none).
 */

const ENDPOINT = 'http://gateway.test/graphql';
const EVIL = 'https://evil.example';
const MUTATION = 'mutation { insertMany(models: [{ user: { pk: "victim", name: "V", age: 1, email: "v@example.com" } }]) { key } }';

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | null;
}

async function send(t: TestGateway, init: RequestInit & { url?: string }): Promise<Answer> {
  const response = await t.gateway.yoga.fetch(init.url ?? ENDPOINT, init);
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}

const codes = (answer: Answer) => answer.body?.errors?.map((error) => error.extensions?.code);

describe('cross-site form posts', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  // The requests an HTML <form method="post" action="http://gateway/graphql"> sends, with each enctype.
  const forms: Array<[string, () => RequestInit]> = [
    [
      'application/x-www-form-urlencoded',
      () => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL },
        body: new URLSearchParams({ query: MUTATION }).toString(),
      }),
    ],
    [
      'multipart/form-data',
      () => {
        const form = new FormData();
        form.set('query', MUTATION);
        form.set('operations', JSON.stringify({ query: MUTATION }));
        form.set('map', '{}');
        return { method: 'POST', headers: { origin: EVIL }, body: form };
      },
    ],
    [
      'text/plain',
      () => ({
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: EVIL },
        body: JSON.stringify({ query: MUTATION }),
      }),
    ],
  ];

  for (const [enctype, request] of forms) {
    it(`refuses a form posted as ${enctype} with UNSUPPORTED_MEDIA_TYPE and HTTP 415, writing nothing`, async () => {
      const { result, commands } = await t.redis.countCommands(() => send(t, request()));
      expect(result.status).toBe(415);
      expect(codes(result)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
      expect(result.body?.errors?.[0]?.message).toContain(enctype.split(';')[0]);
      expect(result.body?.errors?.[0]?.message).toContain('application/json');
      expect(commands).toEqual([]);
      expect(await t.redis.dbsize()).toBe(0);
    });
  }

  it('refuses a GET without the CSRF header with FORBIDDEN and HTTP 403, before Redis is touched', async () => {
    const url = `${ENDPOINT}?query=${encodeURIComponent('{ node(key: "User:victim") { key } }')}`;
    const { result, commands } = await t.redis.countCommands(() =>
      send(t, { url, method: 'GET', headers: { accept: 'application/json', origin: EVIL } }),
    );
    expect(result.status).toBe(403);
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.body?.errors?.[0]?.message).toContain('x-graphql-yoga-csrf');
    expect(commands).toEqual([]);
  });

  it('serves a GET that carries the CSRF header', async () => {
    const url = `${ENDPOINT}?query=${encodeURIComponent('{ models { name } }')}`;
    const answer = await send(t, { url, method: 'GET', headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(answer.status).toBe(200);
    expect(answer.body?.data).toEqual({ models: [{ name: 'User' }, { name: 'Product' }, { name: 'Order' }] });
  });

  it('keeps GraphiQL working: the page on GET, and its same-origin application/json POST runs a mutation', async () => {
    const page = await t.gateway.yoga.fetch(ENDPOINT, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
    const answer = await send(t, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', origin: 'http://gateway.test' },
      body: JSON.stringify({ query: MUTATION }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { insertMany: [{ key: 'User:victim' }] } });
  });
});

describe('CORS, closed by default', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  it('sends no CORS header to any origin, on a request or a preflight', async () => {
    for (const origin of [EVIL, 'http://gateway.test', 'null']) {
      const post = await send(t, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ query: '{ models { name } }' }),
      });
      expect(post.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(post.headers.get('access-control-allow-credentials'), origin).toBeNull();
      const preflight = await t.gateway.yoga.fetch(ENDPOINT, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers'), origin).toBeNull();
    }
  });
});

describe('CORS with origins', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ cors: { origins: ['https://a.example', 'https://b.example:8443'] } });
  });
  afterAll(() => t.close());

  const preflight = (origin: string) =>
    t.gateway.yoga.fetch(ENDPOINT, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  it('allows each listed origin, without credentials unless asked for', async () => {
    for (const origin of ['https://a.example', 'https://b.example:8443']) {
      const answer = await preflight(origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('lets a listed origin read the x-request-id of a response, to quote it when it reports a problem', async () => {
    const answer = await t.gateway.yoga.fetch(ENDPOINT, {
      method: 'POST',
      headers: { origin: 'https://a.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no CORS header to an unlisted origin, nor to the opaque origin "null" of sandboxed frames', async () => {
    for (const origin of [EVIL, 'https://a.example.evil.example', 'http://a.example', 'null']) {
      const answer = await preflight(origin);
      expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('refuses at startup an origin written with a path or a trailing slash, naming the fix', async () => {
    const error = await gatewayError(() =>
      createGateway({ models: shopModels, redis: t.redis.client, cors: { origins: ['https://a.example/'] } }),
    );
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('"https://a.example"');
  });
});

describe('production mode', () => {
  const INTROSPECTION = '{ __schema { queryType { name } } }';
  const TYPO = '{ modls { name } }';

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function probe(options: Parameters<typeof openTestGateway>[0]) {
    const t = await openTestGateway(options);
    try {
      const introspection = await t.execute(INTROSPECTION);
      const typo = await t.execute(TYPO);
      const page = await t.gateway.yoga.fetch(ENDPOINT, { headers: { accept: 'text/html' } });
      const html = (await page.text()).includes('GraphiQL');
      return { introspection, typo, html };
    } finally {
      await t.close();
    }
  }

  it('serves introspection, suggestions and GraphiQL outside production', async () => {
    const { introspection, typo, html } = await probe({});
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(typo.errors?.[0]?.message).toMatch(/Did you mean "models"/);
    expect(html).toBe(true);
  });

  for (const [how, options, env] of [
    ['production: true', { production: true }, undefined],
    ['NODE_ENV=production', {}, 'production'],
  ] as const) {
    it(`turns off introspection, suggestions and GraphiQL with ${how}`, async () => {
      if (env) vi.stubEnv('NODE_ENV', env);
      const { introspection, typo, html } = await probe(options);
      expect(introspection.data ?? null).toBeNull();
      expect(introspection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(introspection.errors?.[0]?.message).toContain('introspection');
      expect(typo.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(typo.errors?.[0]?.message).toContain('Cannot query field "modls"');
      expect(typo.errors?.[0]?.message).not.toContain('models');
      expect(html).toBe(false);
    });
  }

  it('hides enum value suggestions too, written inline or sent as variables', async () => {
    const t = await openTestGateway({ production: true });
    try {
      const inline = await t.execute('{ allOrders(where: { status: { eq: PAIDD } }) { totalCount } }');
      const variable = await t.execute('query ($s: OrderStatus) { allOrders(where: { status: { eq: $s } }) { totalCount } }', {
        s: 'PAIDD',
      });
      for (const answer of [inline, variable]) {
        expect(answer.errors?.[0]?.message).toContain('Value "PAIDD" does not exist in "OrderStatus" enum.');
        expect(answer.errors?.[0]?.message).not.toContain('PAID"');
      }
    } finally {
      await t.close();
    }
  });

  it('turns each back on when asked for', async () => {
    const introspectionOnly = await probe({ production: true, introspection: true });
    expect(introspectionOnly.introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(introspectionOnly.typo.errors?.[0]?.message).not.toContain('Did you mean');
    expect(introspectionOnly.html).toBe(false);

    const suggestionsOnly = await probe({ production: true, suggestions: true });
    expect(suggestionsOnly.typo.errors?.[0]?.message).toMatch(/Did you mean "models"/);
    expect(suggestionsOnly.introspection.data ?? null).toBeNull();
    expect(suggestionsOnly.html).toBe(false);

    const graphiqlOnly = await probe({ production: true, graphiql: true });
    expect(graphiqlOnly.html).toBe(true);
    expect(graphiqlOnly.introspection.data ?? null).toBeNull();
  });
});
