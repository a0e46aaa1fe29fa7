import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cleanUpClis, post, REPO, runNode, stop, tempDir, whenServing } from './helpers/cli-process.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';

/*
 * The package as a user gets it: `npm pack` of the build the run's global setup made, the tarball installed into a fresh
 * project from the npm cache, then plain `node`, `require`, the bin and `tsc` in that project. Nothing
 * here imports the repo's sources.
 */

const run = promisify(execFile);
const PACK_AND_INSTALL_MS = 240_000;
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

interface PackedFile {
  path: string;
}

let redis: TestRedis;
let app: string;
let packed: string[];

/** Runs `node file` in the consumer project and parses the JSON line it prints. */
async function runScript(file: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [file], { cwd: app, env: childEnv(redis.cliEnv), timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
}

beforeAll(async () => {
  redis = await openTestRedis();
  const dir = await tempDir();
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [report] = JSON.parse(stdout) as Array<{ filename: string; files: PackedFile[] }>;
  if (!report) throw new Error(`npm pack reported nothing: ${stdout}`);
  packed = report.files.map((file) => file.path);
  app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const version = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`;
  // The versions the repo is locked to are in the npm cache, so that the install needs no network.
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, report.filename), version('zod'), version('@types/node')],
    { cwd: app, maxBuffer: 16 * 1024 * 1024 },
  );
}, PACK_AND_INSTALL_MS);

afterAll(async () => {
  await cleanUpClis();
  await redis?.close();
});

const MODELS = `const Note = defineModel('Note', z.object({ text: z.string().min(1), stars: z.int32().default(0) }));`;

/**
 * Defines a model, serves a gateway over REDIS_URL (or the cluster of REDIS_CLUSTER_NODES) on a free port,
 * inserts and reads a note over HTTP, and prints both answers.
 * Both run Lua scripts read from the package's own files: the insert the write script with its includes,
 * the read (it asks for the TTL) the read script.
 */
const SCRIPT = `
const redis = process.env.REDIS_URL ?? { cluster: process.env.REDIS_CLUSTER_NODES.split(',') };
const gateway = createGateway({ models: [Note], redis, logging: false });
const server = createServer(gateway.handler);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const post = async (query) => {
  const response = await fetch(\`http://127.0.0.1:\${server.address().port}/graphql\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
};
const inserted = await post('mutation { insertMany(models: [{ note: { pk: "$PK", text: "hello" } }]) { key } }');
const read = await post('{ nodes(keys: ["Note:$PK"]) { key ttl ... on Note { text stars } } }');
server.close();
server.closeAllConnections();
await gateway.close();
console.log(JSON.stringify({ inserted, read }));
`;

const answers = (pk: string) => ({
  inserted: { data: { insertMany: [{ key: `Note:${pk}` }] } },
  read: { data: { nodes: [{ key: `Note:${pk}`, ttl: null, text: 'hello', stars: 0 }] } },
});

describe('npm pack', () => {
  it('ships the build with its declarations, the bin and the docs, and no sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'bin/redis-model-gateway.js',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/server/cli/main.js',
        'dist/examples/shop.js',
        'LICENSE',
        'CHANGELOG.md',
        'README.md',
        'package.json',
      ]),
    );
    // The store reads its Lua scripts from beside its modules: each one, and each include, must ship.
    const lua = readdirSync(join(REPO, 'src', 'store', 'lua'), { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('.lua'),
    );
    expect(lua).toContain('write-documents.lua');
    expect(packed).toEqual(expect.arrayContaining(lua.map((path) => `dist/src/store/lua/${path.split(sep).join('/')}`)));
    const sources = packed.filter((path) => /\.[cm]?ts$/.test(path) && !path.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    expect(packed.filter((path) => /^(src|test|bench|scripts)\//.test(path) || path.includes('tsbuildinfo'))).toEqual([]);
  });
});

describe('the installed package', () => {
  it('runs in a plain-node ES module: defines a model, creates a gateway and answers a query over HTTP', async () => {
    const file = join(app, 'app.mjs');
    await writeFile(
      file,
      [
        `import { createServer } from 'node:http';`,
        `import { z } from 'zod';`,
        `import { createGateway, defineModel } from 'redis-model-gateway';`,
        MODELS,
        SCRIPT.replaceAll('$PK', 'esm'),
      ].join('\n'),
    );
    expect(await runScript(file)).toEqual(answers('esm'));
  });

  it('loads through require() in CommonJS, on Node 20.19 and later', async () => {
    const file = join(app, 'app.cjs');
    await writeFile(
      file,
      [
        `const { createServer } = require('node:http');`,
        `const { z } = require('zod');`,
        `const { createGateway, defineModel } = require('redis-model-gateway');`,
        MODELS,
        `(async () => {${SCRIPT.replaceAll('$PK', 'cjs')}})();`,
      ].join('\n'),
    );
    expect(await runScript(file)).toEqual(answers('cjs'));
  });

  it('type-checks a TypeScript consumer under strict and exactOptionalPropertyTypes', async () => {
    const dir = join(app, 'typed');
    await mkdir(dir);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    await writeFile(join(dir, 'consumer.ts'), CONSUMER);
    const output = await run(process.execPath, [TSC, '-p', dir], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
    // skipLibCheck is off so that the package's own declarations are checked under these options too.
    // Some of graphql-yoga's dependencies' declarations fail under them (lru-cache, @whatwg-node): theirs
    // to fix, and what a project's skipLibCheck (tsc --init's default) hides.
    const errors = output.split('\n').filter((line) => /: error TS\d+/.test(line));
    const ours = errors.filter((line) => !line.includes('node_modules/') || line.includes('node_modules/redis-model-gateway/'));
    expect(ours).toEqual([]);
  }, 240_000);

  it('serves the demo shop and its GraphiQL from its bin, with no models file', async () => {
    const cli = runNode(
      [join(app, 'node_modules', '.bin', 'redis-model-gateway'), 'serve', '--port', '0', ...redis.cliFlags],
      app,
      childEnv(),
    );
    const { url, modelNames } = await whenServing(cli);
    expect(modelNames).toEqual(['User', 'Product', 'Order']);
    const { body } = await post(url, '{ models { name } }');
    expect(body).toEqual({ data: { models: [{ name: 'User' }, { name: 'Product' }, { name: 'Order' }] } });
    // GraphiQL from the installed dependencies' assets, opening on the demo shop's tour.
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('mutation Seed');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="?https?:/);
    expect(await stop(cli)).toBe(0);
  });

  it('serves a TypeScript models file that imports the package, compiled by the CLI', async () => {
    await writeFile(
      join(app, 'models.ts'),
      [
        `import { z } from 'zod';`,
        `import { defineModel } from 'redis-model-gateway';`,
        `export const Widget = defineModel('Widget', z.object({ sku: z.string() }), { key: 'sku' });`,
      ].join('\n'),
    );
    const bin = join(app, 'node_modules', '.bin', 'redis-model-gateway');
    const cli = runNode([bin, 'serve', '--port', '0', ...redis.cliFlags, '--models', 'models.ts'], app, childEnv());
    const { url, modelNames } = await whenServing(cli);
    expect(modelNames).toEqual(['Widget']);
    const { body } = await post(url, 'mutation { insertMany(models: [{ widget: { sku: "w-1" } }]) { key } }');
    expect(body).toEqual({ data: { insertMany: [{ key: 'Widget:w-1' }] } });
    expect(await stop(cli)).toBe(0);
  });
});

/**
 * What a TypeScript user writes: options read from the environment leave some undefined, which
 * `exactOptionalPropertyTypes` refuses unless the option types say `| undefined`. The expected errors
 * prove the types are the package's own, not `any`.
 */
const CONSUMER = `
import { createServer } from 'node:http';
import { z } from 'zod';
import {
  createGateway,
  defineModel,
  isGatewayError,
  ref,
  type GatewayOptions,
  type ModelInstance,
} from 'redis-model-gateway';

export const User = defineModel('User', z.object({ name: z.string(), age: z.int32().min(0) }), {
  index: ['age'],
  ttl: undefined,
  key: undefined,
});

export const Order = defineModel('Order', z.object({ buyerId: ref(User, { as: undefined }) }));

const origin: string | undefined = process.env.CORS_ORIGIN;
const options: GatewayOptions = {
  models: [User, Order],
  relay: undefined,
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  writeToken: process.env.WRITE_TOKEN,
  cors: origin ? { origins: [origin], credentials: undefined } : undefined,
  production: undefined,
  redisTimeoutMs: undefined,
  limits: { maxKeys: 100 },
  auth: { apiKeys: [{ key: 'reader-key', scopes: ['read'], models: undefined, name: undefined }], anonymous: undefined },
  metrics: { endpoint: undefined },
  logger: undefined,
};

export async function main(): Promise<string | null> {
  const gateway = createGateway(options);
  createServer(gateway.handler);
  const alice = User.create({ name: 'Alice', age: 30 }, { pk: undefined });
  await gateway.store.insert([alice], { onConflict: undefined });
  const found: ModelInstance<typeof User.schema> | null = await gateway.store.get(User, alice.pk, { withTtl: undefined });
  await gateway.store.withLock(alice.key, 'birthday', () => ({ inc: { age: 1 } }), { leaseMs: undefined, timeoutMs: 500 });
  await gateway.close();
  const age: number | undefined = found?.value.age;
  // @ts-expect-error age is a number
  User.create({ name: 'Bob', age: 'old' });
  // @ts-expect-error only the schema's fields may be indexed
  defineModel('Post', z.object({ title: z.string() }), { index: ['body'] });
  try {
    return found ? found.value.name + String(age) : null;
  } catch (error) {
    return isGatewayError(error) ? error.code : null;
  }
}
`;
