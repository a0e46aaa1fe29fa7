import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel } from '../src/index.js';
import { graphiqlOptions } from '../src/server/graphiql-options.js';
import { MODELS_TOUR, RELAY_SHOP_TOUR, SHOP_TOUR } from '../src/server/graphiql-tour.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * What the GraphiQL page is given. The browser spec (graphiql-browser.test.ts) runs the tour in a real
 * page; these say which text a gateway preloads, and how.
 */

const page = async (t: TestGateway, path = '/graphql') =>
  (await t.gateway.yoga.fetch(`http://gateway.test${path}`, { headers: { accept: 'text/html' } })).text();

describe('the shop tour', () => {
  const document = parse(SHOP_TOUR);
  const lines = SHOP_TOUR.split('\n');

  it('names its operations seed, read, find, lock, in that order', () => {
    const operations = document.definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? [`${definition.operation} ${definition.name?.value}`] : [],
    );
    expect(operations).toEqual(['mutation Seed', 'query Read', 'query Find', 'mutation Purchase']);
  });

  it('says what each operation shows in a comment line just before it', () => {
    for (const definition of document.definitions) {
      const line = definition.loc?.startToken.line ?? 0;
      const name = definition.kind === Kind.OPERATION_DEFINITION ? definition.name?.value : undefined;
      expect(lines[line - 2]).toMatch(new RegExp(`^# ${name}: .+`));
    }
  });
});

describe.each([
  ['SHOP_TOUR', SHOP_TOUR, { relay: false }],
  ['RELAY_SHOP_TOUR', RELAY_SHOP_TOUR, { relay: true }],
])('%s run in order on an empty database', (_name, tour, options) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway(options);
  });
  afterAll(() => t.close());

  it('answers every operation without an error, as the browser spec reads them', async () => {
    const answers: Record<string, unknown> = {};
    for (const name of ['Seed', 'Read', 'Find', 'Purchase']) {
      const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: tour, operationName: name }),
      });
      answers[name] = await response.json();
    }
    const read = [
      { name: 'Alice', balance: 100 },
      { name: 'Book', price: 12, stock: 10 },
    ];
    expect(answers).toEqual({
      Seed: { data: { insertMany: [{ key: 'User:alice' }, { key: 'User:bob' }, { key: 'User:carol' }, { key: 'Product:book' }] } },
      Read: {
        data: {
          nodes: options.relay
            ? [{ id: 'User:alice', ...read[0] }, { id: 'Product:book', ...read[1] }, null]
            : [
                { key: 'User:alice', ...read[0] },
                { key: 'Product:book', ...read[1] },
              ],
        },
      },
      Find: { data: { allUsers: { totalCount: 2, edges: [{ node: { name: 'Carol', age: 45 } }, { node: { name: 'Alice', age: 30 } }] } } },
      Purchase: { data: { withLock: { applied: true, model: { name: 'Alice', balance: 88 } } } },
    });
  });
});

describe('the page on the demo shop', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(() => t.close());

  it('opens on the shop tour, from the package itself: no script, style or worker from another host', async () => {
    const html = await page(t);
    expect(html).toContain(`"query":${JSON.stringify(SHOP_TOUR)}`);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="?https?:/);
  });
});

describe('the page on the demo shop in relay mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ relay: true });
  });
  afterAll(() => t.close());

  it("opens on the shop tour reading through Relay's nodes(ids:)", async () => {
    const html = await page(t);
    expect(html).toContain(`"query":${JSON.stringify(RELAY_SHOP_TOUR)}`);
    expect(RELAY_SHOP_TOUR).toContain('nodes(ids:');
  });
});

describe('the page on other models', () => {
  let t: TestGateway;
  beforeAll(async () => {
    const Note = defineModel('Note', z.object({ text: z.string() }));
    t = await openTestGateway({ models: [Note] });
  });
  afterAll(() => t.close());

  it("opens on the registry's description, since the shop tour does not validate against these models", async () => {
    const html = await page(t);
    expect(html).toContain(`"query":${JSON.stringify(MODELS_TOUR)}`);
    expect(html).not.toContain('mutation Seed');
  });
});

describe('graphiqlOptions', () => {
  const options = graphiqlOptions(SHOP_TOUR);

  it('gives the tour as the opening query, which GraphiQL matches against the tabs a browser kept', () => {
    expect(options(new Request('http://gateway.test/graphql'))).toMatchObject({ query: SHOP_TOUR, defaultQuery: SHOP_TOUR });
  });

  it('gives no opening query to a page reloaded with its edited text in the address, so that the edit stays', () => {
    const reloaded = options(new Request('http://gateway.test/graphql?query=%7B%20models%20%7B%20name%20%7D%20%7D'));
    expect(reloaded).not.toHaveProperty('query');
    expect(reloaded).toMatchObject({ defaultQuery: SHOP_TOUR });
  });
});
