import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../src/server/embedded-redis.js';
import { startRedisCluster, type ClusterNodeAddress } from './redis-cluster.js';

/** Which Redis `openTestRedis()` hands a spec file: the project's name (vitest.config.ts). */
export type RedisMode = 'standalone' | 'cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    redisMode: RedisMode;
    redisUrl: string;
    /** The test clusters' nodes, one list per cluster; a spec file takes one for itself (test-cluster.ts). */
    redisClusters: ClusterNodeAddress[][];
  }
}

/**
 * As many test clusters as spec files may run at once, so that a file of the cluster project seldom
 * waits for another to give one back.
 */
const CLUSTER_COUNT = 2;

interface TestServers {
  redisUrl: string;
  redisClusters: ClusterNodeAddress[][];
  stop(): Promise<void>;
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
 * never touch a Redis the machine runs itself. Each standalone spec file takes a database of its own
 * (see redis.ts). Beside it the test clusters of six nodes each: one takes about 5 s to form, mostly
 * redis-cli's own waits, and they form while the build runs, which takes longer.
 */
async function startTestServers(): Promise<TestServers> {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-test-redis-'));
  const [built, redis, ...clusters] = await Promise.allSettled([
    build(),
    startEmbeddedRedis({ dir, appendOnly: false, args: ['--databases', '1000'] }),
    ...Array.from({ length: CLUSTER_COUNT }, () => startRedisCluster()),
  ]);
  const stop = async () => {
    await Promise.all([redis, ...clusters].map((started) => started.status === 'fulfilled' && started.value.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  const failed = [built, redis, ...clusters].find((started) => started.status === 'rejected');
  if (failed || redis.status === 'rejected') {
    await stop();
    throw failed?.reason;
  }
  return {
    redisUrl: redis.value.url,
    redisClusters: clusters.flatMap((cluster) => (cluster.status === 'fulfilled' ? [cluster.value.nodes] : [])),
    stop,
  };
}

/**
 * Both projects run this setup in the same process; the servers start once for the two (the first
 * call starts them, the last teardown stops them), and each project is told its own mode.
 */
const shared = globalThis as typeof globalThis & { rmgTestServers?: { started: Promise<TestServers>; users: number } };

export default async function setup(project: TestProject) {
  shared.rmgTestServers ??= { started: startTestServers(), users: 0 };
  const servers = shared.rmgTestServers;
  servers.users += 1;
  const release = async () => {
    servers.users -= 1;
    if (servers.users > 0) return;
    shared.rmgTestServers = undefined;
    await (await servers.started).stop();
  };
  let started: TestServers;
  try {
    started = await servers.started;
  } catch (error) {
    servers.users -= 1;
    throw error;
  }
  project.provide('redisMode', project.name === 'cluster' ? 'cluster' : 'standalone');
  project.provide('redisUrl', started.redisUrl);
  project.provide('redisClusters', started.redisClusters);
  return release;
}
