import type { Redis } from 'ioredis';
import { packWriteDocumentsArgs, WRITE_DOCUMENTS } from '../../src/store/scripts/write-documents.js';
import { indexKeysAt } from '../../src/store/keyspace.js';
import { evalScript, INDEX_KEYS, PREFIX } from './eval-script.js';

/** Stores `T:<pk>` with its `age` in the score index (of the shard at `prefix`), through the write script, as the store does. */
export const writeAged = (redis: Redis, pk: string, age: number, ttl = 0, prefix = PREFIX) =>
  evalScript(
    redis,
    WRITE_DOCUMENTS,
    packWriteDocumentsArgs(
      [
        {
          key: `T:${pk}`,
          expect: 'any',
          document: `{"age":${age}}`,
          ttl,
          refreshTtl: true,
          indexPrefix: prefix,
          pk,
          entries: `[["age","s",${age}]]`,
          indexKeys: prefix === PREFIX ? INDEX_KEYS : indexKeysAt(prefix, ['age', 'name']),
        },
      ],
      [],
    ),
  );

/** `count` entries in `@expiry` already due, for keys that no longer exist: a purge backlog. */
/** The finder specs' fixture, on an empty database: a (age 30), b (10) and c (20), written and indexed. */
export async function writeThreeAged(redis: Redis): Promise<void> {
  await redis.flushdb();
  for (const [pk, age] of [
    ['a', 30],
    ['b', 10],
    ['c', 20],
  ] as const)
    await writeAged(redis, pk, age);
}

export async function expiredBacklog(redis: Redis, count: number): Promise<void> {
  const args: Array<string | number> = [];
  for (let i = 0; i < count; i++) args.push(1, `expired-${i}`);
  await redis.zadd(`${PREFIX}@expiry`, ...args);
  await redis.zadd(`${PREFIX}@pk`, ...args.map((arg) => (typeof arg === 'number' ? 0 : arg)));
}
