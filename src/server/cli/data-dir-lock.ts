import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

/*
 * One process at a time on a data directory: two redis-servers appending to one AOF corrupt it. Written
 * here rather than taken from a lock library because the lock must name its holder (pid and URLs) and be
 * judged stale by whether that holder still runs, which the common libraries (proper-lockfile: by mtime)
 * do not do. The holder's redis-server counts as the holder too: a gateway killed with SIGKILL leaves it
 * running on the files, and a new one must not start beside it.
 */

export interface LockHolder {
  pid: number;
  command: string;
  /** The GraphQL URL, once the holder serves. */
  url?: string;
  /** The holder's embedded redis-server, once started. */
  redisPid?: number;
  redisUrl?: string;
}

export interface DataDirLock {
  /** Records what the holder has started, for whoever finds the directory taken. */
  update(facts: Partial<LockHolder>): Promise<void>;
  /** Removes the lock if it is still this process's. */
  release(): Promise<void>;
}

export const lockFile = (dataDir: string) => join(dataDir, 'gateway.lock');

/**
 * Whether a process with this pid runs (EPERM: it does, as another user). A zombie does not: it has
 * exited, and only waits for a parent to reap it, which an orphan's new parent (PID 1 of a container)
 * may never do. Linux tells them apart in /proc; elsewhere a zombie counts as running.
 */
export function isRunning(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // The state follows the parenthesised command name, which may itself hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The holder recorded in the lock, if the lock is there and its holder or the holder's redis-server still runs. */
export async function liveHolder(dataDir: string): Promise<LockHolder | null> {
  const text = await readFile(lockFile(dataDir), 'utf8').catch(() => null);
  if (text === null) return null;
  let holder: LockHolder;
  try {
    holder = JSON.parse(text) as LockHolder;
  } catch {
    return null;
  }
  return isRunning(holder.pid) || isRunning(holder.redisPid) ? holder : null;
}

/** The error for a directory someone else holds, naming them and what to do. */
export function dataDirInUse(dataDir: string, holder: LockHolder): CliError {
  if (!isRunning(holder.pid))
    return new CliError(
      `the data directory ${dataDir} is still used by redis-server pid ${holder.redisPid} (${holder.redisUrl}), left running by a ${holder.command} (pid ${holder.pid}) that is gone.`,
      `Stop it (kill ${holder.redisPid}), then start again.`,
    );
  const where = [holder.url, holder.redisUrl && `Redis ${holder.redisUrl}`].filter(Boolean).join(', ');
  return new CliError(
    `the data directory ${dataDir} is in use by redis-model-gateway ${holder.command} (pid ${holder.pid}${where ? `, ${where}` : ''}).`,
    'Stop that one first, or pass another --data-dir (or --redis for a Redis you run).',
  );
}

/**
 * Takes the data directory's lock for `command`, or throws naming the live holder. A lock whose holder
 * and redis-server are both gone is stale and taken over. The lock file appears whole or not at all
 * (written aside, then hard-linked, which fails if it exists), so a reader never sees half of it.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = lockFile(dataDir);
  let facts: LockHolder = { pid: process.pid, command };
  const write = async (target: 'link' | 'rename') => {
    const aside = `${path}.${process.pid}`;
    await writeFile(aside, JSON.stringify(facts) + '\n');
    try {
      if (target === 'link') await link(aside, path);
      else await rename(aside, path);
    } finally {
      await rm(aside, { force: true });
    }
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await write('link');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      const holder = await liveHolder(dataDir);
      if (holder) throw dataDirInUse(dataDir, holder);
      await rm(path, { force: true });
    }
  }
  const mine = async () => {
    const text = await readFile(path, 'utf8').catch(() => null);
    return text !== null && (JSON.parse(text) as LockHolder).pid === process.pid;
  };
  return {
    async update(more) {
      facts = { ...facts, ...more };
      if (await mine()) await write('rename');
    },
    async release() {
      if (await mine()) await rm(path, { force: true });
    },
  };
}
