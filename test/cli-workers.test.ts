import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsConnections,
  bounded,
  cleanUpClis,
  post,
  processGroupGone,
  runCli,
  serve,
  stop,
  tempDir,
  waitForOutput,
  whenServing,
  type CliProcess,
  type ServingCli,
  fileExists,
} from './helpers/cli-process.js';
import { INSERT_ALICE, redisPid, requestsWaitingOnLock } from './helpers/request-in-flight.js';

/*
 * `serve --workers N`: forked processes answer HTTP on the one port, while the process the operator
 * started holds the data directory and the embedded redis-server, prints the startup lines and stops
 * everything. Through the real CLI, its real port and its own redis-server.
 */

afterAll(cleanUpClis);

/** A POST on a connection of its own: the cluster hands out connections, not requests, to its workers in turn. */
function postAlone(
  url: string,
  query: string,
  requestId: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    sent.on('error', reject);
    sent.end(JSON.stringify({ query }));
  });
}

const logLines = (cli: CliProcess) =>
  cli
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { reqId?: string; pid?: number; msg?: string });

/** The pid of the process that logged the completion of each request id, once every one is logged (bounded). */
async function answeredBy(cli: CliProcess, requestIds: string[]): Promise<number[]> {
  const pids = () => {
    const done = logLines(cli).filter((line) => line.msg === 'request completed');
    return requestIds.map((id) => done.find((line) => line.reqId === id)?.pid);
  };
  await bounded(
    new Promise<void>((resolve) => {
      const check = () => (pids().every((pid) => pid !== undefined) ? resolve() : undefined);
      cli.child.stdout?.on('data', check);
      check();
    }),
    'the CLI did not log every request',
    cli,
  );
  return pids() as number[];
}

/** The Node processes serve forked: its workers (not its redis-server, nor the esbuild service tsx may keep), from /proc. */
async function workersOf(cli: CliProcess): Promise<number[]> {
  const workers: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const [command, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2)];
    if (Number(rest.split(' ')[1]) === cli.child.pid && command === 'node') workers.push(Number(entry));
  }
  return workers;
}

describe('redis-model-gateway serve --workers 2', () => {
  let cli: ServingCli;

  beforeAll(async () => {
    cli = await serve(['--workers', '2', '--log-level', 'debug']);
  });

  afterAll(async () => {
    if (cli) await stop(cli);
  });

  it('prints its startup lines and warnings once, with the port the system picked', () => {
    expect(cli.stdout().match(/^redis-model-gateway serving /gm)).toHaveLength(1);
    expect(cli.stdout().match(/^embedded redis-server on /gm)).toHaveLength(1);
    expect(cli.stderr().match(/^warning: no API key or write token is configured/gm)).toHaveLength(1);
    expect(Number(new URL(cli.url).port)).toBeGreaterThan(0);
  });

  it('answers from two processes, itself and one forked worker, one connection each in turn, all on the same Redis', async () => {
    expect(await postAlone(cli.url, INSERT_ALICE, 'workers-insert')).toEqual({
      status: 200,
      body: { data: { insertMany: [{ key: 'User:alice' }] } },
    });
    const reads = ['workers-read-1', 'workers-read-2', 'workers-read-3'];
    for (const id of reads)
      expect(await postAlone(cli.url, '{ node(key: "User:alice") { ... on User { name } } }', id)).toEqual({
        status: 200,
        body: { data: { node: { name: 'Alice' } } },
      });

    const pids = await answeredBy(cli, ['workers-insert', ...reads]);
    const [worker] = await workersOf(cli);
    expect(new Set(pids)).toEqual(new Set([cli.child.pid, worker]));
    for (let i = 1; i < pids.length; i++) expect(pids[i]).not.toBe(pids[i - 1]);
  });

  it('shares a burst of connections opened at once, half each, though it accepts them before the worker can answer', async () => {
    const ids = Array.from({ length: 32 }, (_, i) => `workers-burst-${i}`);
    const answers = await Promise.all(ids.map((id) => postAlone(cli.url, '{ __typename }', id)));
    expect(answers.every(({ status }) => status === 200)).toBe(true);

    const pids = await answeredBy(cli, ids);
    const [worker] = await workersOf(cli);
    expect(pids.filter((pid) => pid === cli.child.pid)).toHaveLength(16);
    expect(pids.filter((pid) => pid === worker)).toHaveLength(16);
  });
});

describe('redis-model-gateway serve --workers 3', () => {
  it('forks two workers: with itself, three processes serve', async () => {
    const cli = await serve(['--workers', '3', '--log-level', 'debug']);
    try {
      const ids = ['three-1', 'three-2', 'three-3'];
      for (const id of ids) expect((await postAlone(cli.url, '{ models { name } }', id)).status).toBe(200);
      const workers = await workersOf(cli);
      expect(workers).toHaveLength(2);
      expect(new Set(await answeredBy(cli, ids))).toEqual(new Set([cli.child.pid, ...workers]));
    } finally {
      await stop(cli);
    }
  });
});

describe('redis-model-gateway serve --workers 2, its credentials', () => {
  it('reads a write token file once, for every worker, so that a pipe can hand it over', async () => {
    const fifo = join(await tempDir(), 'token');
    await promisify(execFile)('mkfifo', [fifo]);
    // A pipe gives its text to the first reader only; a second open would wait for a writer for ever.
    const written = writeFile(fifo, 's3cret\n');
    const cli = await serve(['--workers', '2', '--write-token-file', fifo]);
    try {
      await written;
      for (const id of ['token-1', 'token-2'])
        expect(await postAlone(cli.url, INSERT_ALICE, id, { authorization: 'Bearer s3cret' })).toMatchObject({ status: 200 });
      expect(await postAlone(cli.url, INSERT_ALICE, 'no-token')).toMatchObject({ status: 401 });
    } finally {
      await stop(cli);
    }
  });
});

describe('redis-model-gateway serve --workers 2, stopped with SIGTERM while requests run', () => {
  it('stops accepting, lets the requests of both processes finish, then stops the worker and Redis, unlocks the data dir and exits with code 0', async () => {
    const cli = await serve(['--workers', '2', '--shutdown-timeout-ms', '20000']);
    expect((await post(cli.url, INSERT_ALICE)).status).toBe(200);
    // Two connections in turn: one request in flight on the primary, one on the worker.
    const requests = await requestsWaitingOnLock(cli, '{ applied model { ... on User { age } } }', 2);
    try {
      cli.child.kill('SIGTERM');
      await waitForOutput(cli, /SIGTERM: no longer accepting requests; waiting up to 20000 ms for 2 in flight/, 'its shutdown');
      expect(await acceptsConnections(Number(new URL(cli.url).port))).toBe(false);
      expect(await acceptsConnections(cli.redisPort)).toBe(true);

      await requests.release();
      const answers = (await Promise.all(requests.answers)) as Array<{ status: number; body: { data: { withLock: unknown } } }>;
      expect(answers.map(({ status, body }) => ({ status, withLock: body.data.withLock }))).toEqual(
        expect.arrayContaining([
          { status: 200, withLock: { applied: true, model: { age: 31 } } },
          { status: 200, withLock: { applied: true, model: { age: 32 } } },
        ]),
      );
    } finally {
      requests.close();
    }
    expect(await bounded(cli.exited, 'the CLI did not exit after the requests finished', cli)).toBe(0);
    expect(await processGroupGone(cli)).toBe(true);
    expect(await fileExists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
    expect(await fileExists(join(cli.dataDir, 'gateway-redis.url'))).toBe(false);
  });
});

describe('redis-model-gateway serve --workers 2, when a process dies under it', () => {
  it('exits with code 1 when its embedded redis-server dies, leaving no worker and no lock', async () => {
    const cli = await serve(['--workers', '2']);
    process.kill(await redisPid(cli.redisPort), 'SIGKILL');

    expect(await bounded(cli.exited, 'the CLI did not exit after its redis-server died', cli)).toBe(1);
    expect(cli.stderr()).toMatch(/embedded redis-server \(pid \d+, redis:\/\/127\.0\.0\.1:\d+\) exited unexpectedly \(SIGKILL\)/);
    expect(await processGroupGone(cli)).toBe(true);
    expect(await fileExists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
  });

  it('exits with code 1 when a worker dies, naming it, after stopping the other worker and Redis', async () => {
    const cli = await serve(['--workers', '2', '--log-level', 'debug']);
    const [worker] = await workersOf(cli);
    process.kill(worker as number, 'SIGKILL');

    expect(await bounded(cli.exited, 'the CLI did not exit after a worker died', cli)).toBe(1);
    expect(cli.stderr()).toContain(
      `error: a worker (pid ${worker}) exited unexpectedly (SIGKILL); exiting with code 1 so that a supervisor restarts the gateway.`,
    );
    expect(await processGroupGone(cli)).toBe(true);
    expect(await acceptsConnections(cli.redisPort)).toBe(false);
    expect(await fileExists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
  });
});

describe('redis-model-gateway serve --workers, refusals', () => {
  let holder: Server;
  afterAll(() => new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve())));

  it('refuses a count that is not a whole number above zero, before starting anything, with exit code 2', async () => {
    for (const given of ['0', 'abc', '1.5']) {
      const cli = runCli(['serve', '--workers', given, '--data-dir', join(await tempDir(), 'redis')]);
      expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
      expect(cli.stderr().trim().split('\n')).toEqual([
        `error: --workers is "${given}"; it must be a whole number above zero.`,
        'hint: See redis-model-gateway serve --help',
      ]);
    }
  });

  it('exits with code 1 naming a port in use, before it starts redis-server, leaving nothing running', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const dataDir = join(await tempDir(), 'redis');

    const cli = runCli(['serve', '--workers', '2', '--port', String(port), '--data-dir', dataDir]);

    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(1);
    expect(cli.stderr().trim().split('\n')).toEqual([
      `error: port ${port} on 127.0.0.1 is already in use.`,
      'hint: Pass another --port (or PORT); --port 0 picks a free one. Or stop what listens there.',
    ]);
    expect(cli.stdout()).not.toMatch(/embedded redis-server on/);
    expect(await processGroupGone(cli)).toBe(true);
    expect(await fileExists(join(dataDir, 'gateway.lock'))).toBe(false);
  });
});

describe('redis-model-gateway serve --metrics without --workers', () => {
  it('serves from its own process alone, whatever the CPUs, so that /metrics counts every request', async () => {
    const cli = runCli(['serve', '--port', '0', '--data-dir', join(await tempDir(), 'redis'), '--metrics', '--log-level', 'debug']);
    const { url } = await whenServing(cli);
    const ids = ['metrics-1', 'metrics-2', 'metrics-3'];
    for (const id of ids) expect((await postAlone(url, '{ models { name } }', id)).status).toBe(200);

    expect(new Set(await answeredBy(cli, ids))).toEqual(new Set([cli.child.pid]));
    const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/^graphql_envelop_request\{operationType="query"\} 3$/m);
    expect(await stop(cli)).toBe(0);
  });
});
