import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptsConnections, bounded, fileExists, cleanUpClis, post, runCli, serve, stop } from './helpers/cli-process.js';
import { INSERT_ALICE, redisPid, requestWaitingOnLock } from './helpers/request-in-flight.js';

/*
 * How `serve` ends: when its embedded redis-server dies under it, and when it is asked to stop while a
 * request is still running. Through the real CLI, its real port and its own redis-server.
 */

afterAll(cleanUpClis);

describe('redis-model-gateway serve, when its embedded redis-server dies', () => {
  it('exits with code 1, saying what happened, and withdraws the URL it announced for reindex and its lock', async () => {
    const cli = await serve();
    expect(await fileExists(join(cli.dataDir, 'gateway-redis.url'))).toBe(true);

    process.kill(await redisPid(cli.redisPort), 'SIGKILL');

    expect(await bounded(cli.exited, 'the CLI did not exit after its redis-server died', cli)).toBe(1);
    expect(cli.stderr()).toMatch(/embedded redis-server \(pid \d+, redis:\/\/127\.0\.0\.1:\d+\) exited unexpectedly \(SIGKILL\)/);
    expect(cli.stderr()).toMatch(/supervisor/);
    expect(await fileExists(join(cli.dataDir, 'gateway-redis.url'))).toBe(false);
    expect(await fileExists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
  });
});

describe('redis-model-gateway serve, stopped with SIGTERM while a request runs', () => {
  it('stops accepting, lets the request finish, then stops Redis and exits with code 0', async () => {
    const cli = await serve(['--shutdown-timeout-ms', '20000']);
    expect((await post(cli.url, INSERT_ALICE)).status).toBe(200);
    const request = await requestWaitingOnLock(cli, '{ applied model { ... on User { age } } }');
    try {
      cli.child.kill('SIGTERM');
      const announced = /SIGTERM: no longer accepting requests; waiting up to 20000 ms for 1 in flight/;
      await bounded(
        new Promise<void>((resolve) => {
          const check = () => announced.test(cli.stdout()) && resolve();
          check();
          cli.child.stdout?.on('data', check);
        }),
        'the CLI did not announce its shutdown',
        cli,
      );
      expect(await acceptsConnections(Number(new URL(cli.url).port))).toBe(false);
      expect(await acceptsConnections(cli.redisPort)).toBe(true);

      await request.release();
      expect(await request.answer).toEqual({ status: 200, body: { data: { withLock: { applied: true, model: { age: 31 } } } } });
    } finally {
      request.close();
    }
    expect(await bounded(cli.exited, 'the CLI did not exit after the request finished', cli)).toBe(0);
    expect(await acceptsConnections(cli.redisPort)).toBe(false);
  });

  it('cuts off a request that outlasts --shutdown-timeout-ms, and still exits with code 0', async () => {
    const cli = await serve(['--shutdown-timeout-ms', '1']);
    expect((await post(cli.url, INSERT_ALICE)).status).toBe(200);
    const request = await requestWaitingOnLock(cli, '{ applied }');
    try {
      expect(await stop(cli)).toBe(0);
      // The connection closed with no response: fetch fails.
      expect(await request.answer).toBeInstanceOf(Error);
      expect(cli.stderr()).toMatch(/1 requests were still running after 1 ms and were cut off/);
    } finally {
      request.close();
    }
  });
});

describe('redis-model-gateway serve --write-concern', () => {
  it('makes REPLICA the default of write mutations: its embedded redis-server has no replica, so a write is NOT_REPLICATED', async () => {
    const cli = await serve(['--write-concern', 'replica', '--redis-timeout-ms', '300']);
    const insert = (concern: string) =>
      post(
        cli.url,
        `mutation { insertMany(${concern}models: [{ user: { pk: "wc", name: "W", age: 1, email: "w@example.com" } }]) { key } }`,
      );
    const { body } = await insert('');
    expect(body.errors?.map((error) => error.extensions)).toEqual([{ code: 'NOT_REPLICATED', replicas: 0, waitMs: 150 }]);
    expect(await insert('writeConcern: PRIMARY, ')).toEqual({ status: 200, body: { data: { insertMany: [{ key: 'User:wc' }] } } });
    expect(await stop(cli)).toBe(0);
  });

  it('refuses a value other than primary or replica, before starting anything, with exit code 2', async () => {
    const cli = runCli(['serve', '--write-concern', 'quorum']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'error: --write-concern is "quorum"; it must be primary or replica.',
      'hint: See redis-model-gateway serve --help',
    ]);
  });
});

describe('redis-model-gateway serve --redis-timeout-ms', () => {
  it('answers a request within the timeout with REDIS_UNAVAILABLE and HTTP 503 while its redis-server is stopped', async () => {
    const cli = await serve(['--redis-timeout-ms', '250']);
    const pid = await redisPid(cli.redisPort);
    process.kill(pid, 'SIGSTOP');
    try {
      const { status, body } = await post(cli.url, '{ node(key: "User:alice") { key } }');
      expect(status).toBe(503);
      expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['REDIS_UNAVAILABLE']);
      expect(body.errors?.[0]?.message).toContain('no reply within 250 ms');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await post(cli.url, '{ nodes(keys: ["User:alice"], skipMissing: true) { key } }')).toEqual({
      status: 200,
      body: { data: { nodes: [] } },
    });
    expect(await stop(cli)).toBe(0);
  });

  it('refuses a value that is not a whole number of milliseconds, before starting anything, with exit code 2', async () => {
    const cli = runCli(['serve', '--redis-timeout-ms', '1.5s']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'error: --redis-timeout-ms is "1.5s"; it must be a whole number of milliseconds above zero.',
      'hint: See redis-model-gateway serve --help',
    ]);
  });
});
