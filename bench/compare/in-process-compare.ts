import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuPerRequest, type App } from '../cpu-per-request.js';
import type { Tree } from './check-out.js';
import type { Paired } from './compare-table.js';

export interface InProcessGateway {
  app: App;
  close(): Promise<void>;
}

/**
 * The gateway of a tree, in this process: its own src/index.ts and its copy of bench-model.ts, loaded by
 * path, so that each side runs its own createGateway. Logging and GraphiQL off, as in bench:cpu: the
 * report is this process's stdout.
 */
export async function loadGateway(tree: Tree, redisUrl: string, token: string | undefined): Promise<InProcessGateway> {
  const load = (file: string) => import(pathToFileURL(join(tree.root, file)).href);
  const { createGateway } = (await load('src/index.ts')) as typeof import('../../src/index.js');
  const { BenchItem } = (await load('bench/bench-model.ts')) as typeof import('../bench-model.js');
  const gateway = createGateway({
    models: [BenchItem],
    redis: redisUrl,
    logging: false,
    graphiql: false,
    ...(token ? { writeToken: token } : {}),
  });
  return { app: gateway.yoga, close: () => gateway.close() };
}

/**
 * CPU µs per request of each side, in interleaved rounds that alternate which side goes first. In one
 * process and without HTTP, so less disturbed by the other processes on the machine than req/s.
 */
export async function compareInProcess(
  sides: { ref: InProcessGateway; head: InProcessGateway },
  bodiesBySize: Map<number, string[]>,
  { rounds, requests, headers }: { rounds: number; requests: number; headers: Record<string, string> },
  log: (message: string) => void,
): Promise<Map<number, Paired<number>>> {
  const samples = new Map<number, Paired<number>>();
  for (const [size, bodies] of bodiesBySize) {
    const paired: Paired<number> = { ref: [], head: [] };
    samples.set(size, paired);
    // Warm-up, dropped: the JIT compiles each side's path before it is timed.
    for (const side of ['ref', 'head'] as const) await cpuPerRequest(sides[side].app, bodies, requests / 2, headers);
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['ref', 'head'] as const) : (['head', 'ref'] as const)) {
        paired[side].push(await cpuPerRequest(sides[side].app, bodies, requests, headers));
      }
      log(
        `in-process round ${round + 1}/${rounds}, ${size} keys: ref ${paired.ref.at(-1)?.toFixed(0)} µs/req, head ${paired.head.at(-1)?.toFixed(0)} µs/req`,
      );
    }
  }
  return samples;
}
