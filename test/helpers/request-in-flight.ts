import { Redis } from 'ioredis';
import { request } from 'node:http';
import { bounded, type ServingCli } from './cli-process.js';

export const INSERT_ALICE = `mutation {
  insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com" } }]) { key }
}`;

/** A POST on a new connection, never a pooled one: serve hands out connections, not requests, to its processes in turn. */
function postAlone(url: string, query: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      },
    );
    sent.on('error', reject);
    sent.end(JSON.stringify({ query }));
  });
}

/** The pid of the redis-server listening on `port`, as it reports it. */
export async function redisPid(port: number): Promise<number> {
  const client = new Redis(port, '127.0.0.1');
  try {
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } finally {
    await client.quit();
  }
}

/**
 * The barrier: the test holds the lock of User:alice (inserted first with INSERT_ALICE), and sends a
 * withLock on it, which waits until the test lets go. Resolves once Redis has seen the gateway try the
 * lock, so the request is surely in flight.
 */
export async function requestWaitingOnLock(cli: ServingCli, selection: string) {
  const { answers, release, close } = await requestsWaitingOnLock(cli, selection, 1);
  return { answer: answers[0] as Promise<unknown>, release, close };
}

/**
 * `count` such requests at once, each on a connection of its own; resolves once Redis has seen the lock
 * tried from `count` connections of the gateway: with workers, once a request is in flight on each of
 * `count` processes (each has a Redis connection of its own, and a waiting request tries again).
 */
export async function requestsWaitingOnLock(cli: ServingCli, selection: string, count: number) {
  const lockKey = 'rmg:lock:default:User:alice';
  const redis = new Redis(cli.redisPort, '127.0.0.1');
  const monitor = await redis.monitor();
  for (const client of [redis, monitor]) client.on('error', () => {});
  await redis.set(lockKey, 'held by the test', 'PX', 60_000);
  const trying = new Set<string>();
  const tried = new Promise<void>((resolve) =>
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args.includes(lockKey) && trying.add(source).size === count) resolve();
    }),
  );
  // A request that is cut off settles with the error it met, so that no rejection goes unhandled meanwhile.
  const answers = Array.from({ length: count }, () =>
    postAlone(
      cli.url,
      `mutation { withLock(key: "User:alice", update: { user: { inc: { age: 1 } } }, timeoutMs: 20000) ${selection} }`,
    ).catch((error: unknown) => error),
  );
  await bounded(tried, 'the withLock requests never all tried the lock', cli);
  return {
    answers,
    release: () => redis.del(lockKey),
    close() {
      monitor.disconnect();
      redis.disconnect();
    },
  };
}
