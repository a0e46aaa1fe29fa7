import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning } from '../src/server/cli/data-dir-lock.js';
import {
  acceptsConnections,
  bounded,
  cleanUpClis,
  freePort,
  processGroupGone,
  runCli,
  serve,
  stop,
  tempDir,
  waitForOutput,
  writeModelsFile,
  type CliProcess,
  fileExists,
} from './helpers/cli-process.js';

/*
 * `serve` on every path that does not end in serving: it checks the models and binds the port before
 * it starts redis-server, and whatever fails undoes what was started. "Nothing left" is checked on the
 * CLI's process group, which a redis-server it started stays in even once the CLI is gone.
 */

afterAll(cleanUpClis);

/** Runs `serve` to its exit on a fresh data dir and a port nobody listens on; returns what it left behind. */
async function failedServe(args: string[], port?: number) {
  const dataDir = join(await tempDir(), 'redis');
  const chosenPort = port ?? (await freePort());
  const cli = runCli(['serve', '--port', String(chosenPort), '--data-dir', dataDir, ...args]);
  const code = await bounded(cli.exited, 'the CLI did not exit', cli);
  return { cli, code, dataDir, port: chosenPort, lines: cli.stderr().trim().split('\n') };
}

/** What a clean failure leaves: no process of the CLI's, no lock, no URL announced for reindex. */
async function expectNothingLeft(cli: CliProcess, dataDir: string) {
  expect(await processGroupGone(cli)).toBe(true);
  expect(await fileExists(join(dataDir, 'gateway.lock'))).toBe(false);
  expect(await fileExists(join(dataDir, 'gateway-redis.url'))).toBe(false);
  expect(cli.stdout()).not.toMatch(/embedded redis-server on/);
}

describe('redis-model-gateway serve, when the models are invalid', () => {
  it('refuses two models of one name before it starts anything, in one line and a hint', async () => {
    const file = await writeModelsFile(
      [
        `export const User = defineModel('User', z.object({ name: z.string() }));`,
        `export const People = defineModel('User', z.object({ nick: z.string() }));`,
      ].join('\n'),
    );
    const { cli, code, dataDir, port, lines } = await failedServe(['--models', file]);

    expect(code).toBe(1);
    expect(lines).toEqual([
      `error: the models in ${file} are invalid: Model "User" is registered twice.`,
      `hint: Check them without starting anything: redis-model-gateway schema --models ${file}`,
    ]);
    await expectNothingLeft(cli, dataDir);
    expect(await fileExists(dataDir)).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('refuses a model named Model, naming the gateway as the owner of the name', async () => {
    const file = await writeModelsFile(`export const Model = defineModel('Model', z.object({ name: z.string() }));`);
    const { cli, code, dataDir, port, lines } = await failedServe(['--models', file]);

    expect(code).toBe(1);
    expect(lines[0]).toBe(
      `error: the models in ${file} are invalid: Model "Model" generates the type "Model", which the gateway already defines. Rename the model or field.`,
    );
    expect(lines).toHaveLength(2);
    await expectNothingLeft(cli, dataDir);
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('names the file, line and column of a syntax error in a TypeScript models file, in one line', async () => {
    const file = await writeModelsFile(`export const broken = {;`);
    const { code, lines } = await failedServe(['--models', file]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `error: the models file ${file} failed to load: ${basename(file)}:3:23: Expected identifier but found ";"`,
      'hint: Run again with --debug for the whole error and its stack.',
    ]);
  });

  it('prints an error thrown while importing the models file as one line, and its stack only with --debug', async () => {
    const file = await writeModelsFile(`throw new Error('the models cannot be built today');`);
    const plain = await failedServe(['--models', file]);
    expect(plain.code).toBe(1);
    expect(plain.lines).toEqual([
      `error: the models file ${file} failed to load: the models cannot be built today`,
      'hint: Run again with --debug for the whole error and its stack.',
    ]);

    const debug = await failedServe(['--models', file, '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.cli.stderr()).toContain('the models cannot be built today');
    expect(debug.cli.stderr()).toMatch(/^\s+at .*models\.ts/m);
    await expectNothingLeft(debug.cli, debug.dataDir);
  });
});

describe('redis-model-gateway serve, when its port is taken', () => {
  let holder: Server;
  afterAll(() => new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve())));

  it('exits with code 1 naming the port, before it starts redis-server, and leaves the port to its owner', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;

    const { cli, code, dataDir, lines } = await failedServe([], port);

    expect(code).toBe(1);
    expect(lines).toEqual([
      `error: port ${port} on 127.0.0.1 is already in use.`,
      'hint: Pass another --port (or PORT); --port 0 picks a free one. Or stop what listens there.',
    ]);
    await expectNothingLeft(cli, dataDir);
    expect(await acceptsConnections(port)).toBe(true);
  });
});

describe('redis-model-gateway serve, when redis-server cannot start on the data dir', () => {
  it("exits with code 1 and redis-server's reason, closing the port it had bound and unlocking the data dir", async () => {
    const dataDir = join(await tempDir(), 'redis');
    await mkdir(join(dataDir, 'appendonlydir'), { recursive: true });
    await writeFile(join(dataDir, 'appendonlydir', 'appendonly.aof.manifest'), 'not a manifest\n');
    const port = await freePort();
    const cli = runCli(['serve', '--port', String(port), '--data-dir', dataDir]);

    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(1);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'error: redis-server exited with code 1 before it was ready: Invalid AOF manifest file format',
      `hint: Check its data directory ${dataDir}; run again with --debug for all it printed.`,
    ]);
    await expectNothingLeft(cli, dataDir);
    expect(await acceptsConnections(port)).toBe(false);
  });
});

describe('redis-model-gateway serve, on a data dir another process holds', () => {
  it('refuses a second serve, naming the first by pid and URL, and the first serves on', async () => {
    const first = await serve();
    const lock = JSON.parse(await readFile(join(first.dataDir, 'gateway.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(first.child.pid);

    const { cli, code, lines } = await failedServe(['--data-dir', first.dataDir]);

    expect(code).toBe(1);
    expect(lines).toEqual([
      `error: the data directory ${first.dataDir} is in use by redis-model-gateway serve (pid ${first.child.pid}, ${first.url}, Redis redis://127.0.0.1:${first.redisPort}).`,
      'hint: Stop that one first, or pass another --data-dir (or --redis for a Redis you run).',
    ]);
    expect(await processGroupGone(cli)).toBe(true);
    expect(
      (await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }))
        .status,
    ).toBe(200);

    expect(await stop(first)).toBe(0);
    expect(await fileExists(join(first.dataDir, 'gateway.lock'))).toBe(false);
    expect(await fileExists(join(first.dataDir, 'gateway-redis.url'))).toBe(false);
  });

  it('refuses serve and reindex while the redis-server of a gateway killed with SIGKILL runs on it, and serves once that is stopped', async () => {
    const first = await serve();
    first.child.kill('SIGKILL');
    await bounded(first.exited, 'the CLI did not die', first);
    expect(await acceptsConnections(first.redisPort)).toBe(true);
    const lock = JSON.parse(await readFile(join(first.dataDir, 'gateway.lock'), 'utf8')) as { redisPid: number };

    const refused = await failedServe(['--data-dir', first.dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      `error: the data directory ${first.dataDir} is still used by redis-server pid ${lock.redisPid} (redis://127.0.0.1:${first.redisPort}), left running by a serve (pid ${first.child.pid}) that is gone.`,
      `hint: Stop it (kill ${lock.redisPid}), then start again.`,
    ]);

    // reindex does not write to it either: the URL file the killed serve left names it.
    const reindex = runCli(['reindex', '--models', 'demo', '--data-dir', first.dataDir]);
    expect(await bounded(reindex.exited, 'reindex did not exit', reindex)).toBe(1);
    expect(reindex.stderr().trim().split('\n')).toEqual(refused.lines);

    process.kill(lock.redisPid, 'SIGTERM');
    // Gone as the lock judges it: exited (a zombie left unreaped by PID 1 counts as gone).
    await bounded(
      new Promise<void>((resolve) => {
        const poll = () => (isRunning(lock.redisPid) ? setTimeout(poll, 20) : resolve());
        poll();
      }),
      'the orphaned redis-server did not stop',
      first,
    );
    const second = await serve([], {}, first.dataDir);
    expect(second.redisPort).not.toBe(first.redisPort);
    expect(await stop(second)).toBe(0);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const gone = runCli(['--version']);
    await bounded(gone.exited, 'the CLI did not exit', gone);
    const dataDir = join(await tempDir(), 'redis');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'gateway.lock'), JSON.stringify({ pid: gone.child.pid, command: 'serve' }));

    const cli = await serve([], {}, dataDir);
    const lock = JSON.parse(await readFile(join(dataDir, 'gateway.lock'), 'utf8')) as { pid: number; url: string };
    expect(lock).toMatchObject({ pid: cli.child.pid, url: cli.url });
    expect(await stop(cli)).toBe(0);
  });
});

describe('redis-model-gateway serve, stopped while it starts', () => {
  it('stops the redis-server it had started and unlocks the data dir when SIGTERM comes before it serves', async () => {
    const dataDir = join(await tempDir(), 'redis');
    const cli = runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    await waitForOutput(cli, /^embedded redis-server on/m, 'its embedded redis-server line');
    cli.child.kill('SIGTERM');

    // Whether the signal landed before or after the serving line, nothing may be left.
    expect([0, 1]).toContain(await bounded(cli.exited, 'the CLI did not exit after SIGTERM', cli));
    if (!/serving/.test(cli.stdout())) expect(cli.stderr()).toContain('error: stopped by SIGTERM before serving.');
    expect(await processGroupGone(cli)).toBe(true);
    expect(await fileExists(join(dataDir, 'gateway.lock'))).toBe(false);
    expect(await fileExists(join(dataDir, 'gateway-redis.url'))).toBe(false);
  });
});
