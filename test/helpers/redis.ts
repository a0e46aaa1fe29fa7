import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Database 0 holds the counter that hands each test file a database of its own, numbered from 1. */
const ALLOCATOR_KEY = 'test:last-database';

export interface TestRedis {
  url: string;
  db: number;
  /** A client on this file's database; `close()` quits it with every client made by `connect()`. */
  client: Redis;
  connect(): Redis;
  close(): Promise<void>;
}

/** A fresh, empty database on the run's redis-server, so that test files in parallel never see each other's keys. */
export async function openTestRedis(): Promise<TestRedis> {
  const url = inject('redisUrl');
  const allocator = new Redis(url);
  const db = await allocator.incr(ALLOCATOR_KEY);
  await allocator.quit();
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(url, { db });
    clients.push(client);
    return client;
  };
  const client = connect();
  await client.flushdb();
  return {
    url: `${url}/${db}`,
    db,
    client,
    connect,
    close: async () => {
      await Promise.all(clients.map((each) => each.quit().catch(() => each.disconnect())));
    },
  };
}
