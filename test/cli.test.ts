import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The CLI as a user runs it: `node bin/redis-model-gateway.js serve`, a real port, real HTTP, and its
 * own embedded redis-server. Every child is started in a process group of its own, so that cleanup can
 * reach the redis-server the CLI started even when a test fails before the CLI could stop it.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'redis-model-gateway.js');
/** Every wait on a child is bounded: a hung CLI fails the test instead of hanging the run. */
const WAIT_MS = 20_000;

const SERVING = /^redis-model-gateway serving (.*) at (http:\/\/127\.0\.0\.1:(\d+)\/graphql)$/m;
const EMBEDDED = /^embedded redis-server on redis:\/\/127\.0\.0\.1:(\d+)/m;

interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the CLI has exited. */
  exited: Promise<number | null>;
}

interface ServingCli extends CliProcess {
  url: string;
  modelNames: string[];
  /** The port of the embedded redis-server the CLI started. */
  redisPort: number;
}

const started: CliProcess[] = [];
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-cli-test-'));
  tempDirs.push(dir);
  return dir;
}

/** The parent's environment without a Redis or token of its own, so that the CLI uses its defaults. */
function childEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { REDIS_URL: _redisUrl, GATEWAY_WRITE_TOKEN: _token, ...env } = process.env;
  return { ...env, ...overrides };
}

function runCli(args: string[], env: NodeJS.ProcessEnv = childEnv()): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli = { child, stdout: () => stdout, stderr: () => stderr, exited };
  started.push(cli);
  return cli;
}

/** Rejects with what the CLI printed when `promise` has not settled within WAIT_MS. */
function bounded<T>(promise: Promise<T>, what: string, cli: CliProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${WAIT_MS} ms; stdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`)),
      WAIT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `serve` with an embedded redis-server in a fresh data dir and waits for the "serving" line. */
async function serve(extraArgs: string[] = []): Promise<ServingCli> {
  const dataDir = join(await tempDir(), 'redis');
  const cli = runCli(['serve', '--port', '0', '--data-dir', dataDir, ...extraArgs]);
  const serving = new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const match = SERVING.exec(cli.stdout());
      if (match) resolve(match);
    };
    cli.child.stdout?.on('data', check);
    void cli.exited.then((code) => reject(new Error(`the CLI exited with code ${code} before serving; stderr:\n${cli.stderr()}`)));
  });
  const [, names = '', url = ''] = await bounded(serving, 'the CLI did not print its "serving" line', cli);
  const redisPort = Number(EMBEDDED.exec(cli.stdout())?.[1]);
  return { ...cli, url, modelNames: names.split(', '), redisPort };
}

/** Sends SIGTERM to the CLI alone (not its group) and waits for it to exit. */
async function stop(cli: CliProcess): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return bounded(cli.exited, 'the CLI did not exit after SIGTERM', cli);
}

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const INSERT_ALICE = `mutation {
  insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }]) { key pk }
}`;

const INSERT_MALLORY = INSERT_ALICE.replace('pk: "alice"', 'pk: "mallory"');

afterAll(async () => {
  // Whatever a failed test left running: its whole process group, the CLI's redis-server included.
  for (const cli of started) {
    if (cli.child.exitCode === null && cli.child.signalCode === null && cli.child.pid !== undefined) {
      try {
        process.kill(-cli.child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      await cli.exited;
    }
  }
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

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

describe('redis-model-gateway serve --metrics --log-level', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve(['--metrics', '--log-level', 'debug']);
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
    expect(await bounded(bad.exited, 'the CLI did not exit', bad)).toBe(1);
    expect(bad.stderr()).toContain('--log-level is "loud"');
  });
});
