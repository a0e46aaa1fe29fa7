import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptsConnections, bounded, cleanUpClis, post, runCli, serve, stop, type ServingCli } from './helpers/cli-process.js';

/*
 * How `serve` ends: when its embedded redis-server dies under it, and when it is asked to stop while a
 * request is still running. Through the real CLI, its real port and its own redis-server.
 */

afterAll(cleanUpClis);

const INSERT_ALICE = `mutation {
  insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com" } }]) { key }
}`;

/** The pid of the redis-server listening on `port`, as it reports it. */
async function redisPid(port: number): Promise<number> {
  const client = new Redis(port, '127.0.0.1');
  try {
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } finally {
    await client.quit();
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('redis-model-gateway serve, when its embedded redis-server dies', () => {
  it('exits with code 1, saying what happened, and withdraws the URL it announced for reindex and its lock', async () => {
    const cli = await serve();
    expect(await exists(join(cli.dataDir, 'gateway-redis.url'))).toBe(true);

    process.kill(await redisPid(cli.redisPort), 'SIGKILL');

    expect(await bounded(cli.exited, 'the CLI did not exit after its redis-server died', cli)).toBe(1);
    expect(cli.stderr()).toMatch(/embedded redis-server \(pid \d+, redis:\/\/127\.0\.0\.1:\d+\) exited unexpectedly \(SIGKILL\)/);
    expect(cli.stderr()).toMatch(/supervisor/);
    expect(await exists(join(cli.dataDir, 'gateway-redis.url'))).toBe(false);
    expect(await exists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
  });
});

/**
 * The barrier: the test holds the lock of User:alice, and sends a withLock on it, which waits until the
 * test lets go. Resolves once Redis has seen the gateway try the lock, so the request is surely in flight.
 */
async function requestWaitingOnLock(cli: ServingCli, selection: string) {
  const lockKey = 'rmg:lock:default:User:alice';
  const redis = new Redis(cli.redisPort, '127.0.0.1');
  const monitor = await redis.monitor();
  for (const client of [redis, monitor]) client.on('error', () => {});
  await redis.set(lockKey, 'held by the test', 'PX', 60_000);
  const tried = new Promise<void>((resolve) =>
    monitor.on('monitor', (_time: string, args: string[]) => args.includes(lockKey) && resolve()),
  );
  // A request that is cut off settles with the error fetch gave, so that no rejection goes unhandled meanwhile.
  const answer = post(
    cli.url,
    `mutation { withLock(key: "User:alice", update: { user: { inc: { age: 1 } } }, timeoutMs: 20000) ${selection} }`,
  ).catch((error: unknown) => error);
  await bounded(tried, 'the withLock request never tried the lock', cli);
  return {
    answer,
    release: () => redis.del(lockKey),
    close() {
      monitor.disconnect();
      redis.disconnect();
    },
  };
}

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
