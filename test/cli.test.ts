import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsConnections,
  bounded,
  childEnv,
  cleanUpClis,
  freePort,
  post,
  REPO,
  runCli,
  serve,
  SERVING,
  stop,
  tempDir,
  waitForOutput,
  writeModelsFile,
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
    expect(cli.stderr()).toMatch(/^warning: no API key or write token is configured: anyone who can reach the gateway/m);
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
    expect(html).toContain('insertMany(atomicity: PER_SLOT, models');
  });
});

describe('redis-model-gateway serve, stopped with SIGTERM', () => {
  it('exits with code 0, stops its redis-server and removes its lock and the URL it announced', async () => {
    const cli = await serve();
    expect(await acceptsConnections(cli.redisPort)).toBe(true);
    expect(await readFile(join(cli.dataDir, 'gateway-redis.url'), 'utf8')).toBe(`redis://127.0.0.1:${cli.redisPort}`);

    expect(await stop(cli)).toBe(0);
    expect(await acceptsConnections(cli.redisPort)).toBe(false);
    expect(await readdir(cli.dataDir)).toEqual(['appendonlydir']);
  });
});

describe('redis-model-gateway serve --models', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    // The temp dir has no node_modules: import the repo's sources and the very zod module they use (its
    // ESM entry), so that `z.object(...)` here is the class defineModel checks with instanceof. It has no
    // package.json either, which would make Node load a .ts file there as CommonJS: the CLI compiles a
    // TypeScript models file to an ES module itself.
    const dir = await tempDir();
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
  it('exits with code 1, one line and a hint telling to install redis-server or pass --redis', async () => {
    // A PATH holding node and nothing else: the node binary's own directory may hold redis-server too.
    const bin = join(await tempDir(), 'bin');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    const dataDir = join(dirname(bin), 'redis');
    const cli = runCli(['serve', '--port', '0', '--data-dir', dataDir], childEnv({ PATH: bin }));

    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(1);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'error: redis-server was not found on PATH.',
      'hint: Install it (e.g. apt-get install redis-server), or pass --redis <url> of a Redis you run.',
    ]);
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

    const read = await post(cli.url, '{ nodes(keys: ["User:mallory"], skipMissing: true) { key } }', { authorization: 'Bearer s3cret' });
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

  it('closes queries too: they need the token (or an API key)', async () => {
    const refused = await post(cli.url, '{ models { name } }');
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const read = await post(cli.url, '{ models { name } }', { authorization: 'Bearer s3cret' });
    expect(read).toEqual({ status: 200, body: { data: { models: [{ name: 'User' }, { name: 'Product' }, { name: 'Order' }] } } });
  });

  it('warns that the token shows in ps, and not that mutations are open', () => {
    expect(cli.stderr()).toContain('warning: --write-token shows the token to anyone who can list processes');
    expect(cli.stderr()).not.toContain('no API key or write token is configured');
  });
});

describe('redis-model-gateway serve, exposed: keys and token from files, CORS, production', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 'file-token-0123456789\n');
    await writeFile(join(dir, 'keys.json'), JSON.stringify([{ key: 'product-reader-0123456789', scopes: ['read'], models: ['Product'] }]));
    cli = await serve(
      [
        '--write-token-file',
        join(dir, 'token'),
        '--cors-origin',
        'https://a.example',
        '--cors-origin',
        'https://b.example',
        '--production',
        '--max-document-bytes',
        '200',
      ],
      { GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') },
    );
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('takes the write token from --write-token-file and the API keys from $GATEWAY_API_KEYS_FILE', async () => {
    expect(cli.stderr()).not.toContain('warning: no API key');
    expect((await post(cli.url, INSERT_ALICE)).status).toBe(401);
    expect((await post(cli.url, INSERT_ALICE, { authorization: 'Bearer file-token-0123456789' })).status).toBe(200);
    const read = await post(cli.url, '{ models { name } }', { authorization: 'Bearer product-reader-0123456789' });
    expect(read.body).toEqual({ data: { models: [{ name: 'Product' }] } });
  });

  it('answers the listed origins alone with CORS headers', async () => {
    const preflight = (origin: string) =>
      fetch(cli.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('https://b.example')).headers.get('access-control-allow-origin')).toBe('https://b.example');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('turns off introspection and GraphiQL with --production', async () => {
    const introspection = await post(cli.url, '{ __schema { queryType { name } } }', { authorization: 'Bearer file-token-0123456789' });
    expect(introspection.body.data ?? null).toBeNull();
    expect(new Set(introspection.body.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    const page = await fetch(cli.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
  });

  it('caps documents at --max-document-bytes', async () => {
    const long = INSERT_ALICE.replace('name: "Alice"', `name: "${'A'.repeat(200)}"`);
    const refused = await post(cli.url, long, { authorization: 'Bearer file-token-0123456789' });
    expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['VALUE_TOO_LARGE']);
  });
});

describe('redis-model-gateway serve --max-finder-work --max-where-depth --delete-step', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve(['--max-finder-work', '100', '--max-where-depth', '2', '--delete-step', '1']);
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('passes the finder limits to the store', async () => {
    const expensive = await post(cli.url, '{ allUsers(first: 100) { totalCount } }');
    expect(expensive.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', limit: 100 });
    const deep = await post(cli.url, '{ allUsers(first: 1, where: { not: { not: { age: { eq: 1 } } } }) { totalCount } }');
    expect(deep.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', option: 'maxWhereDepth', limit: 2 });
    expect((await post(cli.url, '{ allUsers(first: 1) { totalCount } }')).body.errors).toBeUndefined();
  });

  it('stops with a message naming a flag that is not a whole number above zero', async () => {
    const bad = runCli(['serve', '--port', '0', '--data-dir', join(await tempDir(), 'redis'), '--max-finder-work', '1e3']);
    expect(await bounded(bad.exited, 'the CLI did not exit', bad)).toBe(2);
    expect(bad.stderr().trim().split('\n')[0]).toBe('error: --max-finder-work is "1e3"; it must be a whole number above zero.');
  });
});

describe('redis-model-gateway serve --metrics --log-level --access-log', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve(['--metrics', '--log-level', 'debug', '--access-log']);
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('logs each request as a JSON line on stdout with the id it sends back', async () => {
    const response = await fetch(cli.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'cli-trace-1' },
      body: JSON.stringify({ query: '{ models { name } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('cli-trace-1');
    await response.text();
    const logged = () =>
      cli
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.reqId === 'cli-trace-1');
    // The line is written when the response is: wait for it to reach the pipe, bounded.
    await bounded(
      new Promise<void>((resolve) => {
        const check = () => (logged() ? resolve() : undefined);
        cli.child.stdout?.on('data', check);
        check();
      }),
      'the CLI did not log the request',
      cli,
    );
    expect(logged()).toMatchObject({ level: 30, msg: 'request completed', status: 200, path: '/graphql' });
  });

  it('serves Prometheus metrics at /metrics', async () => {
    const response = await fetch(cli.url.replace(/\/graphql$/, '/metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('# TYPE gateway_redis_round_trips histogram');
    expect(text).toMatch(/^graphql_envelop_request\{operationType="query"\} [1-9]/m);
  });

  it('refuses an unknown log level before it starts anything', async () => {
    const bad = runCli(['serve', '--log-level', 'loud', '--data-dir', join(await tempDir(), 'redis')]);
    expect(await bounded(bad.exited, 'the CLI did not exit', bad)).toBe(2);
    expect(bad.stderr().trim().split('\n')).toEqual([
      'error: --log-level is "loud"; it must be one of fatal, error, warn, info, debug, trace, silent.',
      'hint: See redis-model-gateway serve --help',
    ]);
  });
});

describe('redis-model-gateway --help, --version and mistakes in the command line', () => {
  const run = async (args: string[]) => {
    const cli = runCli(args);
    const code = await bounded(cli.exited, 'the CLI did not exit', cli);
    return { code, stdout: cli.stdout(), lines: cli.stderr().trim().split('\n') };
  };

  it('prints the help of every command on stdout and exits 0', async () => {
    for (const [args, first] of [
      [['--help'], 'Usage: redis-model-gateway <command> [flags]'],
      [['serve', '--help'], 'Usage: redis-model-gateway serve [flags]'],
      [['serve', '--port', '1', '-h'], 'Usage: redis-model-gateway serve [flags]'],
      [['reindex', '--help'], 'Usage: redis-model-gateway reindex --models FILE [--model NAME] [flags]'],
      [['schema', '--help'], 'Usage: redis-model-gateway schema [--models FILE] [--possible-types] [--relay]'],
      [['help', 'reindex'], 'Usage: redis-model-gateway reindex --models FILE [--model NAME] [flags]'],
    ] as const) {
      const { code, stdout, lines } = await run([...args]);
      expect({ args, code, first: stdout.split('\n')[0], stderr: lines }).toEqual({ args, code: 0, first, stderr: [''] });
    }
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, lines: [''] });
  });

  it('answers an unknown command, an unknown flag or no command with one line, a hint and exit code 2', async () => {
    expect(await run(['srve'])).toEqual({
      code: 2,
      stdout: '',
      lines: [
        'error: there is no command "srve".',
        'hint: The commands are serve, reindex, migrate, schema: see redis-model-gateway --help',
      ],
    });
    expect(await run(['serve', '--prot', '4000'])).toEqual({
      code: 2,
      stdout: '',
      lines: ['error: serve has no flag --prot.', 'hint: See redis-model-gateway serve --help'],
    });
    expect((await run([])).lines).toEqual([
      'error: no command given.',
      'hint: Run redis-model-gateway serve, reindex, migrate or schema; redis-model-gateway --help says more.',
    ]);
  });
});

describe('redis-model-gateway serve --relay', () => {
  it("serves Relay's node(id:): a missing id is null with no error", async () => {
    const cli = await serve(['--relay']);
    expect(await post(cli.url, '{ node(id: "User:nobody") { id } }')).toEqual({ status: 200, body: { data: { node: null } } });
    expect(await stop(cli)).toBe(0);
  });
});

describe('redis-model-gateway serve with PORT and HOST in the environment', () => {
  it('listens where they say', async () => {
    const port = await freePort();
    const dataDir = join(await tempDir(), 'redis');
    const cli = runCli(['serve', '--data-dir', dataDir], childEnv({ PORT: String(port), HOST: 'localhost' }));
    const [, url] = await waitForOutput(
      cli,
      /^redis-model-gateway serving .* at (http:\/\/localhost:\d+\/graphql)$/m,
      'its "serving" line',
    );
    expect(url).toBe(`http://localhost:${port}/graphql`);
    expect((await post(`http://127.0.0.1:${port}/graphql`, '{ models { name } }')).status).toBe(200);
    expect(await stop(cli)).toBe(0);
  });

  it('gives way to --port and --host', async () => {
    const cli = await serve(['--host', '127.0.0.1'], { PORT: '1', HOST: '192.0.2.1' });
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(cli.url).not.toContain(':1/');
    expect(await stop(cli)).toBe(0);
  });

  it('refuses a PORT that is not a port, naming the variable', async () => {
    const cli = runCli(['serve'], childEnv({ PORT: '80a' }));
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
    expect(cli.stderr().split('\n')[0]).toBe('error: PORT is "80a"; it must be a port number from 0 to 65535.');
  });
});

describe('redis-model-gateway schema', () => {
  it('prints the sorted SDL of the demo shop without --models, as schema/schema.graphql holds it', async () => {
    const cli = runCli(['schema']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(0);
    const checkedIn = await readFile(join(REPO, 'schema', 'schema.graphql'), 'utf8');
    expect(cli.stdout()).toBe(checkedIn.replace(/^#.*\n\n/, ''));
  });

  it('prints the schema serve --relay serves with --relay: node(id:) and nodes(ids:) in place of node(key:) and nodes(keys:)', async () => {
    const cli = runCli(['schema', '--relay']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(0);
    expect(cli.stdout()).toMatch(/^  node\(id: ID!\): Node$/m);
    expect(cli.stdout()).toMatch(/^  nodes\(ids: \[ID!\]!\): \[Node\]!$/m);
    expect(cli.stdout()).not.toMatch(/node\(key:/);
  });

  it('prints the possibleTypes of the models of a file with --possible-types, as JSON', async () => {
    const file = await writeModelsFile(
      [
        `export const Widget = defineModel('Widget', z.object({ sku: z.string() }), { key: 'sku' });`,
        `export const Gadget = defineModel('Gadget', z.object({ label: z.string() }));`,
      ].join('\n'),
    );
    const cli = runCli(['schema', '--models', file, '--possible-types']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ AnyModel: ['Gadget', 'Widget'], Model: ['Gadget', 'Widget'] });
  });
});
