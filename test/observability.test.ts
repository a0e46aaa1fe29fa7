import { GraphQLError, print, type DocumentNode } from 'graphql';
import { pino, type Logger } from 'pino';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { models as shopModels, User } from '../examples/shop.js';
import { createStore, type Gateway, type StoreEvents } from '../src/index.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { GatewayMetrics } from '../src/server/gateway-metrics.js';
import { NodesDocument, WithLockDocument } from './generated/graphql.js';
import { describeReads, loadBatchReadScript, oneBatchRead } from './helpers/batch-reads.js';
import { listenHandler } from './helpers/listen-handler.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * What an operator sees of the gateway: Prometheus metrics scraped from /metrics, request ids, JSON
 * log lines, and responses that never show an unexpected error's insides. Metrics are read as
 * differences between two scrapes around the requests under test.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, one sample a line: `name{label="value",...} number`. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name ?? ''] = value ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sample of `name` whose labels are exactly `labels`, 0 when there is none yet. */
const valueIn = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value ?? 0;

async function scrape(gateway: Gateway<Redis | Cluster>): Promise<{ status: number; text: string; samples: Sample[] }> {
  const response = await gateway.yoga.fetch('http://gateway.test/metrics');
  const text = await response.text();
  return { status: response.status, text, samples: parseMetrics(text) };
}

/** How much each asked-for sample grew while `action` ran. */
async function growth(gateway: Gateway<Redis | Cluster>, action: () => Promise<unknown>) {
  const before = (await scrape(gateway)).samples;
  await action();
  const after = (await scrape(gateway)).samples;
  return (name: string, labels: Record<string, string> = {}) => valueIn(after, name, labels) - valueIn(before, name, labels);
}

/** Posts an operation and returns the raw response, headers and all. */
function post(
  gateway: Gateway<Redis | Cluster>,
  document: DocumentNode | string,
  variables: object = {},
  headers: Record<string, string> = {},
) {
  const query = typeof document === 'string' ? document : print(document);
  return gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  [field: string]: unknown;
}

/** A pino logger writing to an array, one parsed JSON object per line. */
function captureLogs(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

/** Records what a store reports, in order. */
function recorder() {
  const seen = { roundTrips: [] as string[], batches: [] as number[], lockWaits: [] as boolean[] };
  const events: StoreEvents = {
    roundTrip: (command) => seen.roundTrips.push(command),
    batch: (size) => seen.batches.push(size),
    lockWait: (_waited, acquired) => seen.lockWaits.push(acquired),
  };
  return { events, seen };
}

let t: TestGateway;

beforeAll(async () => {
  t = await openTestGateway({ metrics: true });
  await loadBatchReadScript(t.redis);
});
afterAll(() => t.close());

/** One atomic write per slot: on a cluster these keys hash to different slots. */
const seed = () =>
  t.gateway.store.insert(
    ['a', 'b', 'c', 'busy'].map((pk) => User.create({ name: pk, age: 30, email: `${pk}@example.com` }, { pk })),
    { atomicity: 'PER_SLOT' },
  );

const balance = (amount: number) => ({ user: { inc: { balance: amount } } });

describe('metrics at /metrics', () => {
  // Seeded before each test: on a cluster every gateway this file opens shares one Redis, emptied as each opens.
  beforeEach(seed);

  it('are off unless asked for', async () => {
    const plain = await openTestGateway();
    try {
      expect(plain.gateway.metrics).toBeNull();
      const { status, text } = await scrape(plain.gateway);
      expect(status).toBe(404);
      expect(text).not.toContain('gateway_');
    } finally {
      await plain.close();
    }
  });

  // One batch read is one round trip: on one Redis one MGET; on a cluster one command per primary that
  // serves some of the keys, all sent at once.
  it('record one round trip and one batch of 3 for a nodes request of 3 keys, the one batch read Redis receives', async () => {
    let commands: string[] = [];
    const grew = await growth(t.gateway, async () => {
      const counted = await t.redis.countCommands(() => t.execute(NodesDocument, { keys: ['User:a', 'User:b', 'User:c'] }));
      commands = describeReads(counted.commands);
    });
    expect(commands).toEqual(oneBatchRead(t.redis, ['User:a', 'User:b', 'User:c']));
    expect(grew('gateway_redis_round_trips_count')).toBe(1);
    expect(grew('gateway_redis_round_trips_sum')).toBe(1);
    expect(grew('gateway_redis_round_trips_bucket', { le: '0' })).toBe(0);
    expect(grew('gateway_redis_round_trips_bucket', { le: '1' })).toBe(1);
    expect(grew('gateway_loader_batch_size_count')).toBe(1);
    expect(grew('gateway_loader_batch_size_sum')).toBe(3);
    expect(grew('graphql_envelop_request', { operationType: 'query' })).toBe(1);
    expect(grew('graphql_envelop_phase_execute_count', { operationType: 'query' })).toBe(1);
    expect(grew('graphql_yoga_http_duration_count', { operationType: 'query', method: 'POST', statusCode: '200' })).toBe(1);
  });

  it('record a request the lean path answers, or begins and hands to Yoga, as they record one Yoga answers', async () => {
    const { url, close } = await listenHandler(t.gateway.handler);
    const send = async (keys: string[]) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: print(NodesDocument), variables: { keys } }),
        })
      ).text();
    try {
      await send(['User:a']);
      for (const [keys, route] of [
        [['User:a', 'User:b', 'User:c'], 'lean'],
        [['User:a', 'User:b', 'User:nobody'], 'plan'],
      ] as const) {
        const routes = { ...t.gateway.routes };
        const grew = await growth(t.gateway, () => send([...keys]));
        expect(t.gateway.routes[route] - routes[route]).toBe(1);
        expect(grew('gateway_redis_round_trips_count'), route).toBe(1);
        expect(grew('gateway_redis_round_trips_sum'), route).toBe(1);
        expect(grew('gateway_loader_batch_size_sum'), route).toBe(3);
        expect(grew('graphql_envelop_request', { operationType: 'query' }), route).toBe(1);
        expect(grew('graphql_envelop_phase_execute_count', { operationType: 'query' }), route).toBe(1);
        expect(grew('graphql_yoga_http_duration_count', { operationType: 'query', method: 'POST', statusCode: '200' }), route).toBe(1);
        expect(grew('gateway_graphql_errors_total', { code: 'KEY_NOT_FOUND' }), route).toBe(route === 'plan' ? 1 : 0);
      }
    } finally {
      await close();
    }
  });

  it('record 4 round trips for a withLock (acquire, MGET, write, release) and one lock wait, as Redis counts them', async () => {
    let commandCount = 0;
    const grew = await growth(t.gateway, async () => {
      const { result, commands } = await t.redis.countCommands(() =>
        t.execute(WithLockDocument, { key: 'User:a', action: 'pay', update: balance(5) }),
      );
      expect(result.errors).toBeUndefined();
      commandCount = commands.length;
    });
    expect(commandCount).toBe(4);
    expect(grew('gateway_redis_round_trips_sum')).toBe(4);
    expect(grew('gateway_redis_round_trips_count')).toBe(1);
    expect(grew('gateway_lock_wait_seconds_count')).toBe(1);
    expect(grew('gateway_lock_timeouts_total')).toBe(0);
    expect(grew('graphql_envelop_request', { operationType: 'mutation' })).toBe(1);
  });

  it('count a lock not taken within its timeout, and its LOCK_TIMEOUT error', async () => {
    const holder = t.gateway.store.session();
    const { lease } = await holder.acquireLock('User:busy', 'pay');
    try {
      const grew = await growth(t.gateway, async () => {
        const { errors } = await t.execute(WithLockDocument, { key: 'User:busy', action: 'pay', update: balance(1), timeoutMs: 0 });
        expect(errors?.map((error) => error.extensions?.code)).toEqual(['LOCK_TIMEOUT']);
      });
      expect(grew('gateway_lock_timeouts_total')).toBe(1);
      expect(grew('gateway_lock_wait_seconds_count')).toBe(0);
      expect(grew('gateway_graphql_errors_total', { code: 'LOCK_TIMEOUT' })).toBe(1);
      expect(grew('gateway_refusals_total', { code: 'LOCK_TIMEOUT', limit: '' })).toBe(0);
    } finally {
      await holder.releaseLock(lease.token);
    }
  });

  it('count errors by code, each slot error once', async () => {
    const grew = await growth(t.gateway, () => t.execute(NodesDocument, { keys: ['Nope:1', 'bad', 'Nope:2'] }));
    expect(grew('gateway_graphql_errors_total', { code: 'MODEL_NOT_FOUND' })).toBe(2);
    expect(grew('gateway_graphql_errors_total', { code: 'INVALID_KEY' })).toBe(1);
    expect(grew('gateway_loader_batch_size_count')).toBe(0);
    expect(grew('gateway_redis_round_trips_count')).toBe(1);
    expect(grew('gateway_redis_round_trips_sum')).toBe(0);
  });

  it('count a refusal by its code and the request it refused, in a registry of each gateway its own', async () => {
    const small = await openTestGateway({ metrics: true, limits: { maxKeys: 2 } });
    try {
      const before = (await scrape(t.gateway)).samples;
      const grew = await growth(small.gateway, async () => {
        const response = await small.execute(NodesDocument, { keys: ['User:a', 'User:b', 'User:c'] });
        expect(response.status).toBe(400);
        expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['TOO_MANY_KEYS']);
      });
      expect(grew('gateway_refusals_total', { code: 'TOO_MANY_KEYS', limit: 'maxKeys' })).toBe(1);
      expect(grew('gateway_graphql_errors_total', { code: 'TOO_MANY_KEYS' })).toBe(1);
      // Refused in onExecute, after the metrics plugin saw the operation start: counted as a request, with no round trip.
      expect(grew('graphql_envelop_request', { operationType: 'query' })).toBe(1);
      expect(grew('gateway_redis_round_trips_count')).toBe(1);
      expect(grew('gateway_redis_round_trips_sum')).toBe(0);
      const other = (await scrape(t.gateway)).samples;
      expect(valueIn(other, 'gateway_refusals_total', { code: 'TOO_MANY_KEYS', limit: 'maxKeys' })).toBe(
        valueIn(before, 'gateway_refusals_total', { code: 'TOO_MANY_KEYS', limit: 'maxKeys' }),
      );
      expect(valueIn(other, 'graphql_envelop_request', { operationType: 'query' })).toBe(
        valueIn(before, 'graphql_envelop_request', { operationType: 'query' }),
      );
    } finally {
      await small.close();
    }
  });

  it('never take a label value from the client: no operation name, alias path or URL', async () => {
    await t.gateway.yoga.fetch('http://gateway.test/graphql?probe=UrlChosenByClient', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query OperationChosenByClient { aliasChosenByClient: nodes(keys: ["bad"]) { key } }' }),
    });
    const { text } = await scrape(t.gateway);
    for (const chosen of ['UrlChosenByClient', 'OperationChosenByClient', 'aliasChosenByClient']) expect(text).not.toContain(chosen);
  });

  it('label a refusal with the limit its error names, and keep odd label values out', () => {
    const metrics = new GatewayMetrics();
    metrics.countErrors([
      new GraphQLError('too deep', { extensions: { code: 'QUERY_TOO_COMPLEX', option: 'maxDepth', limit: 6 } }),
      new GraphQLError('too deep', { extensions: { code: 'QUERY_TOO_COMPLEX', option: 'maxDepth', limit: 6 } }),
      new GraphQLError('too many aliases', { extensions: { code: 'QUERY_TOO_COMPLEX', option: 'maxAliases', limit: 30 } }),
      new GraphQLError('odd', { extensions: { code: 'QUERY_TOO_COMPLEX', option: 'depth"} 1\nfake 2' } }),
      new GraphQLError('odd code', { extensions: { code: 'not a code {}' } }),
      new GraphQLError('no code'),
    ]);
    return metrics.registry.metrics().then((text) => {
      const samples = parseMetrics(text);
      expect(valueIn(samples, 'gateway_refusals_total', { code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth' })).toBe(2);
      expect(valueIn(samples, 'gateway_refusals_total', { code: 'QUERY_TOO_COMPLEX', limit: 'maxAliases' })).toBe(1);
      expect(valueIn(samples, 'gateway_refusals_total', { code: 'QUERY_TOO_COMPLEX', limit: 'OTHER' })).toBe(1);
      expect(valueIn(samples, 'gateway_graphql_errors_total', { code: 'QUERY_TOO_COMPLEX' })).toBe(4);
      expect(valueIn(samples, 'gateway_graphql_errors_total', { code: 'OTHER' })).toBe(1);
      expect(valueIn(samples, 'gateway_graphql_errors_total', { code: 'NONE' })).toBe(1);
      expect(samples.some((sample) => sample.name === 'fake')).toBe(false);
    });
  });

  it('can be left unserved, for the embedder to serve from its registry elsewhere', async () => {
    const hidden = await openTestGateway({ metrics: { endpoint: false } });
    try {
      await hidden.execute(NodesDocument, { keys: ['User:a'] });
      expect((await scrape(hidden.gateway)).status).toBe(404);
      const samples = parseMetrics((await hidden.gateway.metrics?.registry.metrics()) ?? '');
      expect(valueIn(samples, 'gateway_redis_round_trips_count')).toBe(1);
    } finally {
      await hidden.close();
    }
  });
});

describe('store events', () => {
  let redis: TestRedis;
  const { events, seen } = recorder();

  beforeAll(async () => {
    redis = await openTestRedis();
    await createStore({ redis: redis.client, models: shopModels }).insert(
      ['a', 'b', 'c'].map((pk) => User.create({ name: pk, age: 30, email: `${pk}@example.com` }, { pk })),
      { atomicity: 'PER_SLOT' },
    );
    await loadBatchReadScript(redis);
  });
  afterAll(() => redis.close());

  const clear = () => {
    seen.roundTrips.length = 0;
    seen.batches.length = 0;
    seen.lockWaits.length = 0;
  };

  it('report one round trip and one batch of 3 for a find of 3 keys', async () => {
    clear();
    const store = createStore({ redis: redis.client, models: shopModels, events });
    await store.find(['User:a', 'User:b', 'User:c']);
    expect(seen).toEqual({ roundTrips: ['mget'], batches: [3], lockWaits: [] });
  });

  it('report the 4 round trips of a withLock, in order, as Redis counts them', async () => {
    clear();
    const store = createStore({ redis: redis.client, models: shopModels });
    const { commands } = await redis.countCommands(() =>
      store.session({ events }).withLock('User:a', 'pay', { update: { inc: { balance: 1 } } }),
    );
    expect(seen).toEqual({ roundTrips: ['acquireLock', 'mget', 'writeDocuments', 'releaseLock'], batches: [], lockWaits: [true] });
    expect(commands).toHaveLength(seen.roundTrips.length);
  });

  it('report the callback withLock as 5: it reads the model for the callback, then reads it again to save against what is stored', async () => {
    clear();
    const store = createStore({ redis: redis.client, models: shopModels, events });
    await store.withLock('User:b', 'pay', () => ({ inc: { balance: 1 } }));
    expect(seen.roundTrips).toEqual(['acquireLock', 'mget', 'mget', 'writeDocuments', 'releaseLock']);
  });

  it('report a lock not taken within its timeout', async () => {
    clear();
    const store = createStore({ redis: redis.client, models: shopModels });
    const { lease } = await store.session().acquireLock('User:c', 'pay');
    try {
      await expect(store.session({ events }).withLock('User:c', 'pay', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
      expect(seen.lockWaits).toEqual([false]);
      expect(seen.roundTrips).toEqual(['acquireLock']);
    } finally {
      await store.session().releaseLock(lease.token);
    }
  });

  it('cost nothing without a watcher: the session keeps the store scripts as they are', () => {
    const store = createStore({ redis: redis.client, models: shopModels });
    expect((store.session() as unknown as { scripts: unknown }).scripts).toBe(store.scripts);
  });
});

describe('request ids', () => {
  it('honour a sane x-request-id and send it back', async () => {
    const response = await post(t.gateway, NodesDocument, { keys: ['User:a'] }, { 'x-request-id': 'edge-7f3a.b_c:1' });
    expect(response.headers.get('x-request-id')).toBe('edge-7f3a.b_c:1');
  });

  it.each([
    ['spaces', 'a b'],
    ['a quote and a brace', 'a"}{'],
    ['129 characters', 'x'.repeat(129)],
    ['nothing', ''],
  ])('replace one with %s by a fresh UUID', async (_what, given) => {
    const response = await post(t.gateway, NodesDocument, { keys: ['User:a'] }, { 'x-request-id': given });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it('give each request without one an id of its own, health checks too', async () => {
    const [one, two] = await Promise.all([post(t.gateway, '{ __typename }'), post(t.gateway, '{ __typename }')]);
    const health = await t.gateway.yoga.fetch('http://gateway.test/health');
    const ids = [one, two, health].map((response) => response.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('logs', () => {
  it('are one JSON line per request, with its id, level, status and error codes', async () => {
    const { logger, lines } = captureLogs();
    const logged = await openTestGateway({ logger, logging: true });
    try {
      const response = await post(logged.gateway, NodesDocument, { keys: ['User:nobody', 'Nope:1'] }, { 'x-request-id': 'trace-1' });
      await response.text();
      expect(lines.filter((line) => line.reqId === 'trace-1')).toEqual([
        expect.objectContaining({
          level: 30,
          msg: 'request completed',
          method: 'POST',
          path: '/graphql',
          status: 200,
          errors: { KEY_NOT_FOUND: 1, MODEL_NOT_FOUND: 1 },
          ms: expect.any(Number),
        }),
      ]);
    } finally {
      await logged.close();
    }
  });

  it('log a request that succeeded at debug, or at info with the access log on', async () => {
    for (const accessLog of [false, true]) {
      const { logger, lines } = captureLogs();
      const logged = await openTestGateway({ logger, logging: true, accessLog });
      try {
        await (await post(logged.gateway, '{ __typename }', {}, { 'x-request-id': 'clean-1' })).text();
        expect(lines.filter((line) => line.reqId === 'clean-1').map((line) => [line.level, line.msg, line.status])).toEqual([
          [accessLog ? 30 : 20, 'request completed', 200],
        ]);
      } finally {
        await logged.close();
      }
    }
  });

  it('log health checks and scrapes at debug only', async () => {
    const { logger, lines } = captureLogs();
    const logged = await openTestGateway({ logger, logging: true, metrics: true });
    try {
      await logged.gateway.yoga.fetch('http://gateway.test/health');
      await scrape(logged.gateway);
      const completed = lines.filter((line) => line.msg === 'request completed');
      expect(completed.map((line) => [line.level, line.path])).toEqual([
        [20, '/health'],
        [20, '/metrics'],
      ]);
    } finally {
      await logged.close();
    }
  });

  it('are silent with logging: false, whatever logger is given', async () => {
    const { logger, lines } = captureLogs();
    const quiet = await openTestGateway({ logger, logging: false });
    try {
      await quiet.execute('{ __typename }');
      expect(lines).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('an unexpected error', () => {
  // A fencing counter that is not a number makes the lock script fail inside Redis, with Redis's own message.
  const REDIS_MESSAGE = 'value is not an integer or out of range';
  let logged: TestGateway;
  const { logger, lines } = captureLogs();
  const nodeEnv = process.env.NODE_ENV;

  beforeAll(async () => {
    logged = await openTestGateway({ logger, logging: true });
    await logged.gateway.store.insert([User.create({ name: 'f', age: 30, email: 'f@example.com' }, { pk: 'fault' })]);
    await logged.redis.client.set(keyspaceFor(logged.redis.client).fenceKey('User:fault'), 'not-a-number');
    // Yoga would add the original error, with its stack, to a response in development.
    process.env.NODE_ENV = 'development';
  });
  afterAll(async () => {
    process.env.NODE_ENV = nodeEnv;
    await logged.close();
  });

  it('answers a generic message with no stack, file path or Redis message, and logs them once with the request id', async () => {
    const response = await post(logged.gateway, WithLockDocument, { key: 'User:fault', update: balance(1) }, { 'x-request-id': 'fault-1' });
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({
      data: null,
      errors: [{ message: 'Unexpected error.', path: ['withLock'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    for (const leak of ['at ', '.ts', '/src/', REDIS_MESSAGE, 'originalError', 'stack']) expect(body).not.toContain(leak);
    // Redis's error prefix as a word: INTERNAL_SERVER_ERROR, the code, has the letters but is not it.
    expect(body).not.toMatch(/\bERR\b/);

    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toEqual([
      expect.objectContaining({
        reqId: 'fault-1',
        msg: 'unexpected error',
        error: expect.objectContaining({ type: 'ReplyError', message: expect.stringContaining(REDIS_MESSAGE), stack: expect.any(String) }),
      }),
    ]);
    // The command's name, never its arguments (they hold documents).
    expect((errors[0]?.error as Record<string, unknown>).command).toMatch(/^eval(sha)?$/);
    expect(JSON.stringify(errors[0])).not.toContain('rmg:lock:');
    expect(lines.find((line) => line.msg === 'request completed' && line.reqId === 'fault-1')).toMatchObject({
      errors: { INTERNAL_SERVER_ERROR: 1 },
    });
  });
});
