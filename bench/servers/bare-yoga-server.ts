import { createServer } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { createBareSchema } from './bare-schema.js';
import { runningServer } from './listen.js';
import type { RunningServer } from './running-server.js';

/*
 * Baseline (b): what a developer would write by hand for the same API: the schema of bare-schema.ts
 * with the gateway's Yoga options; no Pothos, no DataLoader, no zod.
 */

/** Baseline (b) as a Yoga app over its own client: served over HTTP here, and in-process by in-process.bench.ts. */
export function createBareYoga(redis: Redis) {
  return createYoga({ schema: createBareSchema(redis), logging: false, graphiql: false });
}

export async function startBareYogaServer(redisUrl: string): Promise<RunningServer> {
  const redis = new Redis(redisUrl);
  const yoga = createBareYoga(redis);
  const server = createServer(yoga);
  return runningServer(server, () => redis.quit());
}
