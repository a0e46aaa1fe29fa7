import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, ReplyError } from 'ioredis';
import { createServer, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User, models } from '../examples/shop.js';
import { createGateway, createStore, type Gateway, type Store } from '../src/index.js';
import { redisFault } from '../src/store/redis-faults.js';
import { redisClientOptions } from '../src/server/connect-redis.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { codeOf, gatewayError } from './helpers/gateway-error.js';

/*
 * Redis faults made for real: a redis-server of the test's own (append-only file, fsync on every write),
 * killed with SIGKILL and started again on the same directory and port, or stopped with SIGSTOP and
 * continued. The gateway makes its own client from the URL, as `serve` does; the TypeScript store gets
 * a client with the same options. Waits are on events and counters, never on the clock.
 */

const RETRY_AFTER = '1';

interface Answer {
  status: number;
  retryAfter: string | null;
  data: Record<string, unknown> | null | undefined;
  errors: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }> | undefined;
}

/** Resolves at the next `event`; unlike events.once, an 'error' on the way (a failed reconnection) does not reject it. */
const nextEvent = (emitter: Redis, event: string) => new Promise<void>((resolve) => emitter.once(event, () => resolve()));

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

class FaultRig {
  private constructor(
    readonly dir: string,
    public server: EmbeddedRedis,
    readonly gateway: Gateway,
    readonly storeClient: Redis,
    readonly store: Store,
  ) {}

  static async open(redisTimeoutMs?: number): Promise<FaultRig> {
    const dir = await mkdtemp(join(tmpdir(), 'rmg-faults-'));
    const server = await startEmbeddedRedis({ dir, args: FaultRig.ARGS });
    const gateway = createGateway({ models, redis: server.url, logging: false, graphiql: false, redisTimeoutMs });
    const storeClient = new Redis(server.url, redisClientOptions(redisTimeoutMs));
    storeClient.on('error', () => {});
    await Promise.all([nextEvent(storeClient, 'ready'), gateway.redis.status === 'ready' || nextEvent(gateway.redis, 'ready')]);
    return new FaultRig(dir, server, gateway, storeClient, createStore({ redis: storeClient, models }));
  }

  static readonly ARGS = ['--appendfsync', 'always'];

  get clients() {
    return [this.gateway.redis, this.storeClient];
  }

  async post(query: string, variables?: Record<string, unknown>): Promise<Answer> {
    const response = await this.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Pick<Answer, 'data' | 'errors'>;
    return { status: response.status, retryAfter: response.headers.get('retry-after'), data: body.data, errors: body.errors };
  }

  async statusOf(path: string): Promise<number> {
    const response = await this.gateway.yoga.fetch(`http://gateway.test${path}`);
    await response.arrayBuffer();
    return response.status;
  }

  /** SIGKILL, and wait until both clients have seen the connection go. */
  async kill(): Promise<void> {
    const noticed = this.clients.map((client) => nextEvent(client, 'close'));
    process.kill(this.server.pid, 'SIGKILL');
    await Promise.all(noticed);
  }

  /** A new redis-server on the same directory and port; resolves once both clients are connected again. */
  async restart(): Promise<void> {
    const ready = this.clients.map((client) => nextEvent(client, 'ready'));
    this.server = await startEmbeddedRedis({ dir: this.dir, port: this.server.port, args: FaultRig.ARGS });
    await Promise.all(ready);
  }

  pause(): void {
    process.kill(this.server.pid, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.server.pid, 'SIGCONT');
  }

  /** A plain client, to look at what Redis holds. */
  async inspect<T>(look: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(this.server.url);
    try {
      return await look(client);
    } finally {
      await client.quit();
    }
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.storeClient.quit().catch(() => this.storeClient.disconnect());
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

const NODE = 'query ($key: ID!) { node(key: $key) { key } }';
const INSERT_USER =
  'mutation ($pk: String!) { insertMany(models: [{ user: { pk: $pk, name: "N", age: 30, email: "n@example.com" } }]) { key } }';
const user = (pk: string) => User.create({ name: 'N', age: 30, email: 'n@example.com' }, { pk });

/** What a client sees of a refusal for a Redis fault: the code at the field, HTTP 503 and Retry-After. */
function expectRefusal(answer: Answer, code: 'REDIS_UNAVAILABLE' | 'WRITE_OUTCOME_UNKNOWN', field: string) {
  expect(answer.status).toBe(503);
  expect(answer.retryAfter).toBe(RETRY_AFTER);
  expect(answer.errors?.map((error) => ({ path: error.path?.join('.'), code: error.extensions?.code }))).toEqual([{ path: field, code }]);
  // The HTTP instructions are for Yoga, not for the body; no Redis message reaches the client.
  expect(JSON.stringify(answer.errors)).not.toMatch(/"http"|Stream isn't|Command timed out|Connection is closed/);
}

describe("the gateway's own client", () => {
  it('logs a failed connection once through the gateway logger, naming Redis by host and port, never its password', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address() as AddressInfo;
        probe.close(() => resolve(address.port));
      });
    });
    const lines: string[] = [];
    let logged = () => {};
    const firstLine = new Promise<void>((resolve) => (logged = resolve));
    const logger = pino({ level: 'error' }, { write: (line: string) => void (lines.push(line), logged()) });
    const gateway = createGateway({ models, redis: `redis://:s3cret@127.0.0.1:${port}`, logger });
    await firstLine;
    await gateway.close();
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 50, msg: 'redis connection failed', redis: `127.0.0.1:${port}` });
    expect(lines.join('\n')).not.toContain('s3cret');
  });
});

describe('a failed Redis call', () => {
  const NOT_WRITABLE = new Error("Stream isn't writeable and enableOfflineQueue options is false");
  const TIMED_OUT = new Error('Command timed out');
  const CLOSED = new Error('Connection is closed.');

  it('is REDIS_UNAVAILABLE when it was never sent, read or write', () => {
    const clusterNotReady = new Error("Cluster isn't ready and enableOfflineQueue options is false");
    const noClusterNode = new Error('None of startup nodes is available');
    for (const kind of ['read', 'write'] as const) {
      expect(redisFault(NOT_WRITABLE, kind, false)?.code).toBe('REDIS_UNAVAILABLE');
      expect(redisFault(clusterNotReady, kind, false)?.code).toBe('REDIS_UNAVAILABLE');
      expect(redisFault(noClusterNode, kind, false)?.code).toBe('REDIS_UNAVAILABLE');
      expect(redisFault(CLOSED, kind, true)?.code).toBe('REDIS_UNAVAILABLE');
    }
  });

  it('is WRITE_OUTCOME_UNKNOWN for a write whose reply was lost, and REDIS_UNAVAILABLE for a read', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    for (const lost of [TIMED_OUT, CLOSED, reset]) {
      expect(redisFault(lost, 'write', false)?.code).toBe('WRITE_OUTCOME_UNKNOWN');
      expect(redisFault(lost, 'read', false)?.code).toBe('REDIS_UNAVAILABLE');
    }
    expect(redisFault(TIMED_OUT, 'write', false, 1000)?.message).toContain('no reply within 1000 ms');
  });

  it('is REDIS_UNAVAILABLE when Redis refused it before running it (loading, busy, read-only, disk errors)', () => {
    for (const reply of [
      'LOADING Redis is loading the dataset in memory',
      'BUSY Redis is busy running a script',
      'MISCONF Errors writing to the AOF file',
    ])
      expect(redisFault(new ReplyError(reply), 'write', false)?.code).toBe('REDIS_UNAVAILABLE');
  });

  it('stays unexpected when Redis answered with another error or the failure is not Redis at all', () => {
    expect(redisFault(new ReplyError('ERR user_script:1: WRONGTYPE'), 'write', false)).toBeNull();
    expect(redisFault(new TypeError('x is undefined'), 'read', false)).toBeNull();
    expect(redisFault(Object.assign(new Error('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' }), 'read', false)).toBeNull();
  });
});

describe('with Redis killed', () => {
  let rig: FaultRig;
  beforeAll(async () => {
    rig = await FaultRig.open();
    await rig.store.insert([user('before')]);
    await rig.kill();
  });
  afterAll(() => rig.close());

  it('answers every read and write at once with REDIS_UNAVAILABLE, HTTP 503 and Retry-After, one after another', async () => {
    // No offline queue: each request fails without waiting for a reconnection, so the reason is "not connected".
    for (let i = 0; i < 4; i++) {
      const read = await rig.post(NODE, { key: 'User:before' });
      expectRefusal(read, 'REDIS_UNAVAILABLE', 'node');
      expect(read.errors?.[0]?.message).toContain('not connected');
      expectRefusal(await rig.post(INSERT_USER, { pk: `down-${i}` }), 'REDIS_UNAVAILABLE', 'insertMany');
    }
  });

  it('gives the same codes to the TypeScript store', async () => {
    expect(await codeOf(() => rig.store.get('User:before'))).toBe('REDIS_UNAVAILABLE');
    expect(await codeOf(() => rig.store.insert([user('down-store')]))).toBe('REDIS_UNAVAILABLE');
    expect(await codeOf(() => rig.store.withLocks('default', [{ key: 'User:before', update: { set: { age: 31 } } }]))).toBe(
      'REDIS_UNAVAILABLE',
    );
  });

  it('answers /ready with 503 and /health with 200', async () => {
    expect(await rig.statusOf('/ready')).toBe(503);
    expect(await rig.statusOf('/health')).toBe(200);
  });

  it('recovers by itself once Redis is back on the same files: acknowledged writes are there, refused ones are not', async () => {
    await rig.restart();
    expect(await rig.statusOf('/ready')).toBe(200);
    expect(await rig.post(NODE, { key: 'User:before' })).toMatchObject({ status: 200, data: { node: { key: 'User:before' } } });
    expect(await rig.store.find(['User:down-0', 'User:down-3', 'User:down-store'], { skipMissing: true })).toEqual([]);
    expect(await rig.post(INSERT_USER, { pk: 'after' })).toMatchObject({ status: 200, data: { insertMany: [{ key: 'User:after' }] } });
    expect((await rig.store.insert([user('after-store')])).map((instance) => instance.key)).toEqual(['User:after-store']);
  });
});

describe('with Redis stopped (SIGSTOP)', () => {
  let rig: FaultRig;
  beforeAll(async () => {
    rig = await FaultRig.open(300);
    await rig.store.insert([user('before')]);
    await rig.inspect((client) => client.config('RESETSTAT'));
    rig.pause();
  });
  afterAll(async () => {
    rig.resume();
    await rig.close();
  });

  it('answers a read with REDIS_UNAVAILABLE once redisTimeoutMs passes, instead of never', async () => {
    const read = await rig.post(NODE, { key: 'User:before' });
    expectRefusal(read, 'REDIS_UNAVAILABLE', 'node');
    expect(read.errors?.[0]?.message).toContain('no reply within 300 ms');
  });

  it('answers a write with WRITE_OUTCOME_UNKNOWN: it was sent and may yet be applied', async () => {
    const write = await rig.post(INSERT_USER, { pk: 'unknown' });
    expectRefusal(write, 'WRITE_OUTCOME_UNKNOWN', 'insertMany');
    expect(write.errors?.[0]?.message).toContain('may or may not have been applied');
    // Sent three times under one write id, then handed to the client to retry with.
    const extensions = write.errors?.[0]?.extensions as { writeId?: string; attempts?: number } | undefined;
    expect(extensions?.attempts).toBe(3);
    expect(write.errors?.[0]?.message).toContain(`Retry it unchanged with writeId "${extensions?.writeId ?? '?'}"`);
  });

  it('gives the same codes to the TypeScript store', async () => {
    expect(await codeOf(() => rig.store.get('User:before'))).toBe('REDIS_UNAVAILABLE');
    const unknown = await gatewayError(() => rig.store.insert([user('unknown-store')]));
    expect(unknown.code).toBe('WRITE_OUTCOME_UNKNOWN');
  });

  it('answers /ready with 503 and /health with 200', async () => {
    expect(await rig.statusOf('/ready')).toBe(503);
    expect(await rig.statusOf('/health')).toBe(200);
  });

  it('answers normally once Redis runs again, and applies each lost write once: its re-sends are answered from its record', async () => {
    rig.resume();
    expect(await rig.statusOf('/ready')).toBe(200);
    expect(await rig.post(NODE, { key: 'User:before' })).toMatchObject({ status: 200, data: { node: { key: 'User:before' } } });
    // Each connection runs what waited in its socket before anything sent after it.
    expect(await rig.store.find(['User:unknown', 'User:unknown-store'])).toHaveLength(2);
    const stats = await rig.inspect((client) => client.info('commandstats'));
    // The two writes sent while Redis was stopped, each sent three times under one write id (EVAL or
    // EVALSHA: one script call each) and applied once: one SET of the document and one of its record.
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+),`).exec(stats)?.[1] ?? 0);
    expect(calls('eval') + calls('evalsha')).toBe(6);
    expect(calls('set')).toBe(4);
  });
});

describe('under 32 concurrent writers', () => {
  const WRITERS = 32;
  /** Acknowledged writes before the fault is made: the fault lands while writers are busy. */
  const FAULT_AFTER = 64;
  /** Writes each writer makes once Redis is back, all to be acknowledged. */
  const AFTER_RETURN = 2;
  /** A bound of each writer's own, whatever happens. */
  const MAX_ROUNDS = 200;

  /** A user and an order that refers to it, in one insertMany: both are written or neither. */
  const PAIR = `mutation ($pk: String!, $userId: String!) {
    insertMany(models: [
      { user: { pk: $pk, name: "W", age: 20, email: "w@example.com" } },
      { order: { pk: $pk, userId: $userId, productId: "Product:p", quantity: 1, placedAt: "2025-01-01T00:00:00.000Z" } }
    ]) { key }
  }`;

  interface Outcome {
    pk: string;
    /** Sent after Redis was back. */
    afterReturn: boolean;
    acked: boolean;
    status: number;
    retryAfter: string | null;
    code: string | undefined;
  }

  /** Runs the writers, makes the fault after FAULT_AFTER acknowledgements, heals it once every writer has been refused. */
  async function writeThrough(rig: FaultRig, fault: { make(): Promise<void> | void; heal(): Promise<void> | void }): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const faultPoint = deferred();
    const allRefused = deferred();
    const back = deferred();
    let acks = 0;
    let refusedWriters = 0;
    let healed = false;
    const writer = async (w: number) => {
      let acksAfterReturn = 0;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const afterReturn = healed;
        const pk = `w${w}-${round}`;
        const answer = await rig.post(PAIR, { pk, userId: `User:${pk}` });
        const acked = answer.status === 200 && answer.errors === undefined;
        const { status, retryAfter } = answer;
        outcomes.push({ pk, afterReturn, acked, status, retryAfter, code: answer.errors?.[0]?.extensions?.code });
        if (acked) {
          if (++acks === FAULT_AFTER) faultPoint.resolve();
          if (afterReturn && ++acksAfterReturn === AFTER_RETURN) return;
        } else {
          if (afterReturn) return;
          if (++refusedWriters === WRITERS) allRefused.resolve();
          await back.promise;
        }
      }
    };
    const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await faultPoint.promise;
    await fault.make();
    await allRefused.promise;
    await fault.heal();
    healed = true;
    back.resolve();
    await writers;
    return outcomes;
  }

  /** Every acknowledged pair is stored, none is half-stored, and the indexes list exactly the stored documents. */
  async function expectConsistent(rig: FaultRig, outcomes: Outcome[]) {
    const pks = outcomes.map((outcome) => outcome.pk);
    const { users, orders, indexed } = await rig.inspect(async (client) => ({
      users: await client.mget(pks.map((pk) => `User:${pk}`)),
      orders: await client.mget(pks.map((pk) => `Order:${pk}`)),
      indexed: {
        users: (await client.zrange('rmg:idx:User:@pk', '0', '-1')).sort(),
        ages: (await client.zrange('rmg:idx:User:age', '0', '-1')).sort(),
        orders: (await client.zrange('rmg:idx:Order:@pk', '0', '-1')).sort(),
        byUser: (await client.zrange('rmg:idx:Order:userId', '0', '-1')).sort(),
      },
    }));
    const stored: string[] = [];
    outcomes.forEach((outcome, i) => {
      const pair = [users[i] !== null, orders[i] !== null];
      expect([outcome.pk, pair[0]]).toEqual([outcome.pk, pair[1]]);
      if (outcome.acked) expect([outcome.pk, pair[0]]).toEqual([outcome.pk, true]);
      // REDIS_UNAVAILABLE promises that nothing was written.
      if (outcome.code === 'REDIS_UNAVAILABLE') expect([outcome.pk, pair[0]]).toEqual([outcome.pk, false]);
      if (pair[0]) stored.push(outcome.pk);
    });
    stored.sort();
    expect(indexed.users).toEqual(stored);
    expect(indexed.ages).toEqual(stored);
    expect(indexed.orders).toEqual(stored);
    expect(indexed.byUser).toEqual(stored.map((pk) => `User:${pk}\0\0${pk}`).sort());
  }

  function expectRefusalsAndRecovery(outcomes: Outcome[]) {
    const refused = outcomes.filter((outcome) => !outcome.acked);
    expect(refused.length).toBeGreaterThanOrEqual(WRITERS);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: 503, retryAfter: RETRY_AFTER, afterReturn: false });
      expect(['REDIS_UNAVAILABLE', 'WRITE_OUTCOME_UNKNOWN']).toContain(outcome.code);
    }
    expect(outcomes.filter((outcome) => !outcome.afterReturn && outcome.acked).length).toBeGreaterThanOrEqual(FAULT_AFTER);
    expect(outcomes.filter((outcome) => outcome.afterReturn && outcome.acked)).toHaveLength(WRITERS * AFTER_RETURN);
  }

  it('keeps every acknowledged write and half-writes none when Redis is killed and started again on its files', async () => {
    const rig = await FaultRig.open();
    try {
      const outcomes = await writeThrough(rig, { make: () => rig.kill(), heal: () => rig.restart() });
      expectRefusalsAndRecovery(outcomes);
      await expectConsistent(rig, outcomes);
    } finally {
      await rig.close();
    }
  });

  it('keeps every acknowledged write and half-writes none when Redis is stopped and continued', async () => {
    const rig = await FaultRig.open();
    try {
      const outcomes = await writeThrough(rig, { make: () => rig.pause(), heal: () => rig.resume() });
      expectRefusalsAndRecovery(outcomes);
      // Writes sent while Redis was stopped had no reply: their outcome is unknown, never "unavailable".
      expect(outcomes.some((outcome) => outcome.code === 'WRITE_OUTCOME_UNKNOWN')).toBe(true);
      await expectConsistent(rig, outcomes);
    } finally {
      rig.resume();
      await rig.close();
    }
  });
});
