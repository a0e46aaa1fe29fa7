import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../embedded-redis.js';
import { dataDirInUse, isRunning, liveHolder, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import type { Teardown } from './teardown.js';

export const DEFAULT_DATA_DIR = './.data/redis';

/** The running serve's embedded Redis is announced here once it serves, so that reindex uses it instead of starting a second one on the same files. */
export const urlFile = (dataDir: string) => join(dataDir, 'gateway-redis.url');

export interface GivenRedis {
  url: string;
  /** Where it came from, so that a suggested command repeats the flag, and only the flag. */
  from: '--redis' | '$REDIS_URL';
}

/** A Redis the operator named: --redis, else $REDIS_URL; null means the embedded one. */
export function givenRedis(flag: string | undefined): GivenRedis | null {
  if (flag) return { url: flag, from: '--redis' };
  const env = process.env.REDIS_URL;
  return env ? { url: env, from: '$REDIS_URL' } : null;
}

/** Locks the data directory for `command`, registering the release with `teardown`; refuses if another process holds it. */
export async function takeDataDir(dataDir: string, command: string, teardown: Teardown): Promise<DataDirLock> {
  const lock = await lockDataDir(dataDir, command);
  teardown.add(() => lock.release());
  return lock;
}

/** Starts the embedded redis-server on a data directory this process holds, registering its stop with `teardown`. */
export async function startOwnRedis(dataDir: string, lock: DataDirLock, teardown: Teardown): Promise<EmbeddedRedis> {
  const embedded = await startEmbeddedRedis({ dir: dataDir });
  teardown.add(() => embedded.stop());
  // Recorded at once: if this process dies, whoever finds the lock sees the redis-server left on the files.
  await lock.update({ redisPid: embedded.pid, redisUrl: embedded.url });
  console.log(`embedded redis-server on ${embedded.url}, data in ${dataDir}`);
  return embedded;
}

/**
 * Where reindex finds Redis: the one named; else the embedded redis-server of the serve that holds the
 * data directory, once it serves; else one of its own on the directory. Anything else holding the
 * directory (a serve still starting, another reindex) is refused, by name.
 */
export async function redisForReindex(flag: string | undefined, dataDir: string, teardown: Teardown): Promise<string> {
  const given = givenRedis(flag);
  if (given) return given.url;
  const holder = await liveHolder(dataDir);
  if (holder) {
    const announced = await readFile(urlFile(dataDir), 'utf8').catch(() => null);
    // Only a serve that runs: the redis-server a killed serve left behind is refused, not written to.
    if (holder.command === 'serve' && isRunning(holder.pid) && announced) {
      console.log(`using the redis-server of serve (pid ${holder.pid}) on ${announced.trim()}`);
      return announced.trim();
    }
    throw dataDirInUse(dataDir, holder);
  }
  const lock = await takeDataDir(dataDir, 'reindex', teardown);
  return (await startOwnRedis(dataDir, lock, teardown)).url;
}
