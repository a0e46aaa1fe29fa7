/**
 * `npx tsx bench/compiled-nodes.bench.ts`: what answering `nodes(keys:)` costs through a compiled plan
 * against graphql-js `execute` + JSON.stringify, in-process, on the same data, against a private
 * redis-server. Variants run interleaved in every round; medians over rounds of the mean time per request.
 *
 * - floor: MGET, JSON.parse of each document, JSON.stringify of the list (no validation, no GraphQL);
 * - store read: `session.loadMany` alone (MGET, decoding and zod validation of each document);
 * - compiled / graphql-js: the whole request on a fresh session, read included;
 * - "on a loaded session": the same after the documents are in the session's loader, so only execution
 *   and serialization are timed (the read is done, untimed, on each fresh session first).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execute, parse } from 'graphql';
import { Redis } from 'ioredis';
import { compileOperation, HANDOVER } from '../src/execution/compiled-operation.js';
import { createGateway } from '../src/index.js';
import { startEmbeddedRedis } from '../src/server/embedded-redis.js';
import { BenchItem, benchKey, benchValue, benchPk, NODES_QUERY } from './bench-model.js';
import { median } from './report.js';

const ROUNDS = 9;
const REQUESTS = 200;
const SIZES = [1, 10, 100];

const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-compiled-'));
const server = await startEmbeddedRedis({ dir, appendOnly: false });
const redis = new Redis(server.url);
try {
  const gateway = createGateway({ models: [BenchItem], redis, logging: false });
  const { store, schema, registry } = gateway;
  await store.insert(Array.from({ length: 100 }, (_, i) => BenchItem.create(benchValue(i), { pk: benchPk(i) })));
  const document = parse(NODES_QUERY);
  const compiled = compileOperation(schema, registry, document, 'Nodes');
  if (!compiled) throw new Error('the benchmark query does not compile');

  for (const size of SIZES) {
    const keys = Array.from({ length: size }, (_, i) => benchKey(i));
    const variables = { keys };
    const viaGraphqlJs = async (session = store.session()) =>
      JSON.stringify(await execute({ schema, document, variableValues: variables, contextValue: { session } }));
    const viaCompiled = async (session = store.session()) => {
      const text = await compiled.run(session, variables);
      if (text === HANDOVER) throw new Error('handed over');
      return text;
    };
    const expected = await viaGraphqlJs();
    if ((await viaCompiled()) !== expected) throw new Error('compiled and graphql-js answers differ');

    /** Mean milliseconds per request of `run`, each on a fresh session; `prepare` runs untimed before each. */
    const timed = async (
      run: (session: ReturnType<typeof store.session>) => Promise<unknown>,
      prepare?: (session: ReturnType<typeof store.session>) => Promise<unknown>,
    ) => {
      let total = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const session = store.session();
        if (prepare) await prepare(session);
        const start = performance.now();
        await run(session);
        total += performance.now() - start;
      }
      return total / REQUESTS;
    };
    const load = (session: ReturnType<typeof store.session>) => session.loadMany(keys);
    const variants: Array<[string, () => Promise<number>]> = [
      [
        'floor: MGET + JSON.parse + JSON.stringify',
        () => timed(async () => JSON.stringify((await redis.mget(keys)).map((text) => JSON.parse(text ?? 'null')))),
      ],
      ['store read (session.loadMany)', () => timed(load)],
      ['compiled run', () => timed(viaCompiled)],
      ['graphql-js execute + JSON.stringify', () => timed(viaGraphqlJs)],
      ['compiled run, on a loaded session', () => timed(viaCompiled, load)],
      ['graphql-js, on a loaded session', () => timed(viaGraphqlJs, load)],
    ];
    const samples = new Map<string, number[]>();
    for (const [name, run] of variants) await run(); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of variants) samples.set(name, [...(samples.get(name) ?? []), await run()]);
    }
    const ms = (name: string) => median(samples.get(name) ?? []);
    const floor = ms(variants[0]![0]);
    console.log(`\n${size} key(s), ${expected.length} bytes of response; ${ROUNDS} rounds of ${REQUESTS} sequential requests, medians\n`);
    console.log('| variant | µs/request | × floor |\n| --- | ---: | ---: |');
    for (const [name] of variants) console.log(`| ${name} | ${(ms(name) * 1000).toFixed(1)} | ${(ms(name) / floor).toFixed(2)} |`);
    const loaded = ms('graphql-js, on a loaded session') / ms('compiled run, on a loaded session');
    const whole = ms('graphql-js execute + JSON.stringify') / ms('compiled run');
    console.log(`\ngraphql-js / compiled: ${whole.toFixed(2)}× for the whole request, ${loaded.toFixed(2)}× for execution alone`);
  }
} finally {
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
