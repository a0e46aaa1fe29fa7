import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanUpClis, post, REPO, tempDir, type CliProcess, type GraphQLBody } from './helpers/cli-process.js';
import { errorCodesOf, isLang, ReadmeBlocks, servesWith } from './helpers/readme/block-rules.js';
import { codeBlocks, type CodeBlock } from './helpers/readme/code-blocks.js';
import { cleanUpShells, runShell, servedUrl, SHELL_WAIT_MS, stopShell, within } from './helpers/readme/run-shell.js';
import { commandsOf, expectedOutputs, problemsOf, type Known } from './helpers/readme/shell-commands.js';
import { makeTourProject, writeTsconfig } from './helpers/readme/tour-project.js';
import { openStandaloneRedis, type StandaloneRedis } from './helpers/redis.js';

/*
 * The README's code blocks, run as a reader would run them, so that they stay true. The rules, and the
 * `<!-- readme-test: ... -->` comments that steer them, are in docs/readme-tests.md.
 *
 * Against one redis-server, whatever the project's mode: the README's tour is written for one Redis
 * (its files connect to REDIS_URL; its insertMany of a user, a product and an order is one atomic step,
 * which a cluster refuses with CROSS_SLOT, as docs/cluster.md says).
 */

const readme = new ReadmeBlocks(codeBlocks(readFileSync(join(REPO, 'README.md'), 'utf8')));
const at = (block: CodeBlock) => `README.md:${block.line}`;

describe('README.md', () => {
  afterAll(async () => {
    await cleanUpShells();
    await cleanUpClis();
  });

  test('every code block is run by a rule, or skipped with its reason', () => {
    const problems = readme.all.flatMap((block) => {
      const why = readme.uncovered(block);
      return why ? [`${at(block)} (${block.lang}): ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });

  test("the tour's models.ts is the demo shop that npm start serves", () => {
    const models = readme.files().find((block) => block.file === 'models.ts');
    const shop = readFileSync(join(REPO, 'examples', 'shop.ts'), 'utf8').replace("from '../src/index.js'", "from 'redis-model-gateway'");
    // The block's first line names the file; the rest is the file.
    expect(models?.code.split('\n').slice(1).join('\n').trimEnd()).toBe(shop.trimEnd());
  });

  test('every npm script, CLI command, flag, executable and file its shell blocks use exists', async () => {
    const { stdout: usage } = await promisify(execFile)(process.execPath, [join(REPO, 'bin', 'redis-model-gateway.js'), '--help']);
    const known: Known = {
      scripts: (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
      usage,
      bins: readdirSync(join(REPO, 'node_modules', '.bin')),
      files: readme.files().flatMap((block) => block.file ?? []),
    };
    const sh = readme.all.filter((block) => isLang(block, 'sh'));
    const problems = sh.flatMap((block) =>
      commandsOf(block.code).flatMap((command) => problemsOf(command, known).map((p) => `${at(block)}: ${p}`)),
    );
    expect(problems).toEqual([]);
    // The checks above look at something: the README's own commands.
    expect(sh.flatMap((block) => commandsOf(block.code)).length).toBeGreaterThan(3);
  });

  describe('in a fresh project, as a user follows it', { timeout: 2 * SHELL_WAIT_MS }, () => {
    let project = '';
    let redis: StandaloneRedis;
    beforeAll(async () => {
      project = await tempDir();
      redis = await openStandaloneRedis();
      await makeTourProject(project, REPO, readme.files());
    });
    afterAll(() => redis?.close());
    const env = () => ({ REDIS_URL: redis.url, PORT: '0' });

    for (const block of readme.run('sh')) {
      const headers = servesWith(block);
      test(`${at(block)} ${headers ? 'serves GraphQL' : 'exits 0'}: ${block.code.split('\n')[0]}`, async () => {
        const shell = runShell(block.code, project, env());
        if (headers) await answers(shell, headers);
        else await exitsZero(shell, expectedOutputs(block.code));
      });
    }

    test('server.ts says in one line, without a stack, that its port is taken', async () => {
      const taken = createServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => taken.once('listening', resolve));
      const address = taken.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const shell = runShell('npx tsx server.ts', project, { ...env(), PORT: String(port) });
        expect(await within(shell.exited, 'server.ts did not exit', shell)).toBe(1);
        expect(shell.stderr().trim().split('\n')).toEqual([expect.stringContaining(String(port))]);
      } finally {
        taken.close();
      }
    });

    test('its TypeScript files, as the shell blocks leave the project, type-check under strict', async () => {
      const files = readme.files().flatMap((block) => (block.file && /\.(m|c)?tsx?$/.test(block.file) ? [block.file] : []));
      await writeTsconfig(project, files);
      const tsc = runShell(`node '${join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')}' -p tsconfig.json`, project, env());
      expect(await tsc.exited, tsc.stdout()).toBe(0);
    });
  });

  describe('its GraphQL operations, in order, against npm start on a fresh database', { timeout: 2 * SHELL_WAIT_MS }, () => {
    let redis: StandaloneRedis;
    let npmStart: CliProcess;
    let url = '';
    beforeAll(async () => {
      redis = await openStandaloneRedis();
      npmStart = runShell('npm start -- --port 0', REPO, { REDIS_URL: redis.url });
      url = await servedUrl(npmStart);
    }, SHELL_WAIT_MS);
    afterAll(async () => {
      if (npmStart) await stopShell(npmStart);
      await redis?.close();
    }, SHELL_WAIT_MS);

    for (const block of readme.run('graphql')) {
      const codes = errorCodesOf(block);
      const response = readme.responseOf(block);
      const outcome = codes.length > 0 ? `gives ${codes.join(', ')}` : 'answers without errors';
      test(`${at(block)} ${outcome}${response ? `, as ${at(response)} shows` : ''}`, async () => {
        const { body } = await post(url, block.code);
        expect(new Set((body.errors ?? []).map((error) => error.extensions?.code))).toEqual(new Set(codes));
        if (codes.length === 0) expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
        if (response) expect(body).toMatchObject(JSON.parse(response.code) as GraphQLBody);
      });
    }
  });
});

async function exitsZero(shell: CliProcess, outputs: string[]): Promise<void> {
  const code = await within(shell.exited, 'did not exit', shell);
  expect(code, `stdout:\n${shell.stdout()}\nstderr:\n${shell.stderr()}`).toBe(0);
  for (const output of outputs) expect(shell.stdout()).toContain(output);
}

async function answers(shell: CliProcess, headers: Record<string, string>): Promise<void> {
  try {
    const url = await servedUrl(shell);
    const { status, body } = await post(url, '{ __typename }', headers);
    expect({ status, body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  } finally {
    await stopShell(shell);
  }
}
