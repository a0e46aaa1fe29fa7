import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { models as shopModels } from '../examples/shop.js';
import { createGateway, defineModel, type Gateway } from '../src/index.js';
import { untilClusterReady } from '../src/server/connect-cluster.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { heldClusterNodes, openTestCluster, type TestCluster } from './helpers/test-cluster.js';

const run = randomBytes(4).toString('hex');
const nodeAddresses = () => heldClusterNodes().map(({ host, port }) => `${host}:${port}`);

let cluster: TestCluster;
let primaries: Map<string, Redis>;

beforeAll(async () => {
  cluster = await openTestCluster();
  primaries = await cluster.primaries();
});
afterAll(() => cluster.close());

const ready = async (gateway: Gateway<Cluster>) => (await gateway.yoga.fetch('http://gateway.test/ready')).status;

describe('a gateway made from { cluster: [...] }', () => {
  let gateway: Gateway<Cluster>;

  beforeAll(async () => {
    gateway = createGateway({ models: shopModels, redis: { cluster: nodeAddresses().slice(0, 1) }, logging: false });
    await untilClusterReady(gateway.redis, 10_000);
  });
  afterAll(() => gateway.close());

  it('connects to every primary from one node named, with the options that never re-send a command', () => {
    expect(gateway.redis.isCluster).toBe(true);
    expect(new Set(gateway.redis.nodes('master').map((node) => `${node.options.host}:${node.options.port}`))).toEqual(
      new Set(primaries.keys()),
    );
    expect(gateway.redis.options.retryDelayOnFailover).toBe(0);
    expect(gateway.redis.options.redisOptions).toMatchObject({
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
    });
  });

  it('answers /ready 200 while every primary answers, 503 while one is not connected', async () => {
    expect(await ready(gateway)).toBe(200);
    const [lost] = gateway.redis.nodes('master');
    lost!.disconnect();
    await new Promise((resolve) => lost!.once('end', resolve));
    expect(await ready(gateway)).toBe(503);
    // The client finds the primary again once it reloads its slot map.
    await new Promise<void>((resolve, reject) => gateway.redis.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
    await untilClusterReady(gateway.redis, 10_000);
    expect(await ready(gateway)).toBe(200);
  });

  it('warns of an evicting policy on any one primary, naming it', async () => {
    const [name, primary] = [...primaries][1]!;
    const before = ((await primary.config('GET', 'maxmemory-policy')) as string[])[1] ?? 'noeviction';
    await primary.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const warnings = await gateway.checkRedis();
      expect(warnings.filter((warning) => warning.includes('maxmemory-policy'))).toEqual([
        `The primary ${name} runs maxmemory-policy allkeys-lru: it may evict documents, locks and index entries. Use noeviction (or a volatile-* policy).`,
      ]);
    } finally {
      await primary.config('SET', 'maxmemory-policy', before);
    }
  });

  it('finds documents written before indexing on whichever primary holds them, and records the definition of models without any', async () => {
    // One model per primary, each with one document there only, written without the gateway (no index).
    const names = [...primaries.keys()];
    const indexed = names.map((_, i) => defineModel(`SetupCheck${run}N${i}`, z.object({ n: z.number() }), { index: ['n'] }));
    const empty = defineModel(`SetupCheck${run}Empty`, z.object({ n: z.number() }), { index: ['n'] });
    for (const [i, model] of indexed.entries()) {
      const key = Array.from({ length: 1000 }, (_, j) => `${model.name}:${j}`).find(
        (candidate) => gateway.redis.slots[keySlot(candidate)]?.[0] === names[i],
      )!;
      await cluster.client.set(key, JSON.stringify({ n: i }));
    }
    const checked = createGateway({ models: [...indexed, empty], redis: cluster.client, logging: false });
    const warnings = await checked.checkRedis();
    expect(warnings.filter((warning) => warning.startsWith('Model '))).toEqual(
      indexed.map((model) =>
        expect.stringMatching(
          new RegExp(`^Model ${model.name}: the stored index was built for no index \\(data written before indexing\\)`),
        ),
      ),
    );
    expect(await cluster.client.hget(`rmg:idx:${empty.name}:@meta`, 'fields')).not.toBeNull();
    for (const model of indexed) expect(await cluster.client.hget(`rmg:idx:${model.name}:@meta`, 'fields')).toBeNull();
  });

  it('closes its cluster client with the gateway', async () => {
    const own = createGateway({ models: shopModels, redis: { cluster: nodeAddresses() }, logging: false });
    await untilClusterReady(own.redis, 10_000);
    await own.close();
    expect(own.redis.status).toBe('end');
  });
});

describe('a gateway on a cluster that does not answer', () => {
  it('answers /ready 503', async () => {
    const gateway = createGateway({ models: shopModels, redis: { cluster: ['127.0.0.1:1'] }, logging: false, redisTimeoutMs: 200 });
    try {
      expect(await ready(gateway)).toBe(503);
    } finally {
      await gateway.close();
    }
  });

  it('refuses cluster nodes that are not host:port, naming the first', () => {
    expect(() => createGateway({ models: shopModels, redis: { cluster: ['127.0.0.1:7000', 'nowhere'] }, logging: false })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('redis.cluster has "nowhere"') }),
    );
  });
});
