import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../src/server/embedded-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * dist/ built from the sources as they are now, once, before any spec runs: the README's and the
 * package's specs reach the gateway through the package's exports and bin, as a user does, and a stale
 * or half-written build would test something else.
 */
async function build(): Promise<void> {
  await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: join(import.meta.dirname, '..', '..') });
}

/**
 * One redis-server for the whole run, on a free loopback port and a throw-away directory: the tests
 * never touch a Redis the machine runs itself. Each test file takes a database of its own (see redis.ts).
 */
export default async function setup(project: TestProject) {
  await build();
  const dir = await mkdtemp(join(tmpdir(), 'rmg-test-redis-'));
  const redis = await startEmbeddedRedis({ dir, appendOnly: false, args: ['--databases', '1000'] });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
