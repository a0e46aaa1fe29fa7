import type { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';
import { indexKeysAt, keyspaceFor } from '../../src/store/keyspace.js';

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What an uncontended withLock of `key` under `action` sends, as describeCommand shows it, with the key
 * names of `redis`'s layout (keyspace.ts): the acquire script, a fresh MGET of the document, the write
 * script, and the release script.
 */
export function uncontendedLockCommands(redis: Redis | Cluster, key: string, action: string, model: string, indexed: readonly string[]) {
  const keyspace = keyspaceFor(redis);
  const lock = keyspace.lockKey(key, action);
  // A write's record ends with its write id.
  const record = escaped(keyspace.writeRecordKey(key, ''));
  const indexKeys = indexKeysAt(keyspace.indexPrefix(model, key), indexed);
  return [
    // The acquire script (SET NX PX, INCR of the fencing counter, TIME) records what it took under the
    // holder's value, for a re-send.
    expect.stringMatching(new RegExp(`^script ${escaped(lock)} ${escaped(keyspace.fenceKey(key))} ${record}[\\w-]+$`)),
    `mget ${key}`,
    // The write script (lock still ours, document unchanged since the MGET, SET) declares every index key
    // the model may touch, besides the document and the lock, and, last, where it records its reply under
    // a fresh write id (a re-send answers the record).
    expect.stringMatching(new RegExp(`^script ${escaped([key, lock, ...indexKeys].join(' '))} ${record}[0-9a-f]{16}$`)),
    // The release script: compare-and-delete, recorded under a fresh write id.
    expect.stringMatching(new RegExp(`^script ${escaped(lock)} ${record}[0-9a-f]{16}$`)),
  ];
}
