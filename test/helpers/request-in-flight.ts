import { Redis } from 'ioredis';
import { bounded, post, type ServingCli } from './cli-process.js';

export const INSERT_ALICE = `mutation {
  insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com" } }]) { key }
}`;

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
