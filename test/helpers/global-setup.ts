import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../src/server/embedded-redis.js';
import { startRedisCluster, type ClusterNodeAddress } from './redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** The test cluster's nodes, for the specs of Cluster behaviour (see test-cluster.ts). */
    redisClusterNodes: ClusterNodeAddress[];
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
 * Beside it a Redis Cluster of six nodes: it takes about 5 s to form, mostly redis-cli's own waits, and
 * forms while the build runs, which takes longer.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-test-redis-'));
  const [built, redis, cluster] = await Promise.allSettled([
    build(),
    startEmbeddedRedis({ dir, appendOnly: false, args: ['--databases', '1000'] }),
    startRedisCluster(),
  ]);
  const teardown = async () => {
    await Promise.all([redis.status === 'fulfilled' && redis.value.stop(), cluster.status === 'fulfilled' && cluster.value.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
  if (built.status === 'rejected' || redis.status === 'rejected' || cluster.status === 'rejected') {
    await teardown();
    throw [built, redis, cluster].flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))[0];
  }
  project.provide('redisUrl', redis.value.url);
  project.provide('redisClusterNodes', cluster.value.nodes);
  return teardown;
}
