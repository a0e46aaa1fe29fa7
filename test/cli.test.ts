import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsConnections,
  bounded,
  childEnv,
  cleanUpClis,
  post,
  REPO,
  runCli,
  serve,
  SERVING,
  stop,
  tempDir,
  type ServingCli,
} from './helpers/cli-process.js';

afterAll(cleanUpClis);

const INSERT_ALICE = `mutation {
  insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }]) { key pk }
}`;

const INSERT_MALLORY = INSERT_ALICE.replace('pk: "alice"', 'pk: "mallory"');

describe('redis-model-gateway serve, with an embedded redis-server', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve();
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('prints the embedded redis-server and the URL it serves the demo shop at', () => {
    expect(cli.modelNames).toEqual(['User', 'Product', 'Order']);
    expect(cli.redisPort).toBeGreaterThan(0);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });

  it('answers a mutation insertMany and a query node over HTTP', async () => {
    const inserted = await post(cli.url, INSERT_ALICE);
    expect(inserted).toEqual({ status: 200, body: { data: { insertMany: [{ key: 'User:alice', pk: 'alice' }] } } });

    const read = await post(cli.url, '{ node(key: "User:alice") { key ... on User { name age email balance } } }');
    expect(read).toEqual({
      status: 200,
      body: { data: { node: { key: 'User:alice', name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 } } },
    });
  });

  it('serves GraphiQL on GET /graphql to a browser, with the example queries preloaded', async () => {
    const response = await fetch(cli.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('nodes(keys');
    expect(html).toContain('insertMany(models');
  });
});

describe('redis-model-gateway serve, stopped with SIGTERM', () => {
  it('exits with code 0 and stops its redis-server', async () => {
    const cli = await serve();
    expect(await acceptsConnections(cli.redisPort)).toBe(true);

    expect(await stop(cli)).toBe(0);
    expect(await acceptsConnections(cli.redisPort)).toBe(false);
  });
});

describe('redis-model-gateway serve --models', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    // The temp dir has no node_modules: import the repo's sources and the very zod module they use (its
    // ESM entry), so that `z.object(...)` here is the class defineModel checks with instanceof. The
    // package.json makes it an ESM project, as the repo is: without one, tsx loads a .ts file as CommonJS,
    // and Node 20 then refuses it (ERR_REQUIRE_CYCLE_MODULE).
    const dir = await tempDir();
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const file = join(dir, 'inventory.ts');
    const src = pathToFileURL(join(REPO, 'src', 'index.ts')).href;
    const zod = pathToFileURL(join(REPO, 'node_modules', 'zod', 'index.js')).href;
    await writeFile(
      file,
      [
        `import { z } from '${zod}';`,
        `import { defineModel } from '${src}';`,
        `export const Widget = defineModel('Widget', z.object({ sku: z.string(), count: z.int32().default(0) }), { key: 'sku' });`,
        `export const Gadget = defineModel('Gadget', z.object({ label: z.string() }));`,
        '',
      ].join('\n'),
    );
    cli = await serve(['--models', file]);
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('serves the models the file exports, and only those', async () => {
    // A module namespace lists its exports by name, not in source order: compare as sets.
    expect([...cli.modelNames].sort()).toEqual(['Gadget', 'Widget']);
    const { status, body } = await post(cli.url, '{ models { name } }');
    expect(status).toBe(200);
    const names = (body.data?.models as Array<{ name: string }>).map((model) => model.name);
    expect(names.sort()).toEqual(['Gadget', 'Widget']);
  });

  it('writes and reads the models of the file', async () => {
    const inserted = await post(
      cli.url,
      'mutation { insertMany(models: [{ widget: { sku: "w-1" } }]) { key ... on Widget { sku count } } }',
    );
    expect(inserted.body).toEqual({ data: { insertMany: [{ key: 'Widget:w-1', sku: 'w-1', count: 0 }] } });
  });
});

describe('redis-model-gateway serve without redis-server on PATH', () => {
  it('exits non-zero with one line telling to install redis-server or pass --redis', async () => {
    // A PATH holding node and nothing else: the node binary's own directory may hold redis-server too.
    const bin = join(await tempDir(), 'bin');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    const dataDir = join(dirname(bin), 'redis');
    const cli = runCli(['serve', '--port', '0', '--data-dir', dataDir], childEnv({ PATH: bin }));

    const code = await bounded(cli.exited, 'the CLI did not exit', cli);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = cli.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/redis-server/);
    expect(lines[0]).toMatch(/install/);
    expect(lines[0]).toMatch(/--redis/);
    expect(cli.stdout()).not.toMatch(SERVING);
  });
});

describe('redis-model-gateway serve --write-token', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve(['--write-token', 's3cret']);
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('refuses a mutation without the bearer token with UNAUTHENTICATED and HTTP 401, writing nothing', async () => {
    const refused = await post(cli.url, INSERT_MALLORY);
    expect(refused.status).toBe(401);
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    const read = await post(cli.url, '{ nodes(keys: ["User:mallory"], skipMissing: true) { key } }');
    expect(read.body).toEqual({ data: { nodes: [] } });
  });

  it('refuses a mutation with another token', async () => {
    const refused = await post(cli.url, INSERT_MALLORY, { authorization: 'Bearer s3cre' });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('accepts a mutation with "Authorization: Bearer s3cret"', async () => {
    const accepted = await post(cli.url, INSERT_ALICE, { authorization: 'Bearer s3cret' });
    expect(accepted).toEqual({ status: 200, body: { data: { insertMany: [{ key: 'User:alice', pk: 'alice' }] } } });
  });

  it('keeps queries open to requests without a token', async () => {
    const read = await post(cli.url, '{ models { name } }');
    expect(read).toEqual({ status: 200, body: { data: { models: [{ name: 'User' }, { name: 'Product' }, { name: 'Order' }] } } });
  });
});
