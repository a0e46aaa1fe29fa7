import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel, redisClusterOptions, type Gateway } from '../src/index.js';
import { untilClusterReady } from '../src/server/connect-cluster.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { isScriptCall, type SeenCommand } from './helpers/command-counter.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openClusterGateway, type ClusterGateway, type TestCluster } from './helpers/test-cluster.js';
import type { GraphQLErrorBody } from './helpers/test-gateway.js';

// Model names of this spec alone: the cluster and its index keys are shared with other spec files.
const Basket = defineModel('ClusterTtlBasket', z.object({ items: z.array(z.string()) }), { ttl: 120 });
const Visit = defineModel('ClusterTtlVisit', z.object({ page: z.string() }), { ttl: 600, refreshTtl: false });

const run = randomBytes(4).toString('hex');
const connectionName = `cluster-ttl-reads-${run}`;
const names = Array.from({ length: 40 }, (_, i) => `${run}-${i}`);
const stored = names.filter((_, i) => i % 4 !== 0);

let cluster: TestCluster;
let client: Cluster;
let gateway: Gateway<Cluster>;
let primaries: Map<string, Redis>;

let setup: ClusterGateway;

beforeAll(async () => {
  const options = redisClusterOptions();
  setup = await openClusterGateway([Basket, Visit], { ...options, redisOptions: { ...options.redisOptions, connectionName } });
  ({ cluster, client, gateway, primaries } = setup);
  // Without an offline queue the client refuses commands until it is ready.
  await untilClusterReady(client, 10_000);
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
});
afterAll(() => setup.close());

const perPrimary = <T>(action: () => Promise<T>) => perPrimaryCommands(client, primaries, connectionName, action);
const primaryOf = (key: string) => client.slots[keySlot(key)]?.[0] ?? 'none';

interface TtlNodes {
  data?: { nodes: Array<{ key: string; ttl: number | null } | null> };
  errors?: GraphQLErrorBody[];
}

async function nodesWithTtl(keys: readonly string[]): Promise<TtlNodes> {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query ($keys: [ID!]!) { nodes(keys: $keys) { key ttl } }', variables: { keys } }),
  });
  return (await response.json()) as TtlNodes;
}

/** The keys of each script call a primary received, checked to be script calls only, each within one slot. */
function scriptCallKeys(commands: readonly SeenCommand[]): string[][] {
  expect(commands.every(isScriptCall)).toBe(true);
  const calls = commands.map(({ args }) => args.slice(2, 2 + Number(args[1])));
  for (const keys of calls) expect(new Set(keys.map(keySlot)).size).toBe(1);
  return calls;
}

/** Each primary got one script call per slot of the keys it serves, with exactly those keys. */
function expectOneCallPerSlot(commands: Map<string, SeenCommand[]>, keys: readonly string[]): void {
  expect(commands.size).toBe(3);
  for (const [node, seen] of commands) {
    const mine = keys.filter((key) => primaryOf(key) === node);
    const calls = scriptCallKeys(seen);
    expect(calls.flat().sort()).toEqual([...mine].sort());
    expect(calls).toHaveLength(new Set(mine.map(keySlot)).size);
  }
}

describe('reads that need TTLs on a Redis Cluster', () => {
  it('refreshes the TTL and the @expiry entry of every key read, on every primary, in one pipeline per primary', async () => {
    const keys = names.map((name) => `ClusterTtlBasket:${name}`);
    expect(new Set(keys.map(primaryOf)).size).toBe(3);
    await Promise.all(stored.map((name) => client.set(`ClusterTtlBasket:${name}`, JSON.stringify({ items: [name] }), 'EX', 5)));
    const before = Date.now();
    const { result, commands, pipelines } = await perPrimary(() => nodesWithTtl(keys));
    expect(result.data?.nodes).toEqual(names.map((name) => (stored.includes(name) ? { key: `ClusterTtlBasket:${name}`, ttl: 120 } : null)));
    expect(result.errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual(
      names.flatMap((name, i) => (stored.includes(name) ? [] : [[`nodes.${i}`, 'KEY_NOT_FOUND']])),
    );
    expect(pipelines).toBe(3);
    expectOneCallPerSlot(commands, keys);
    for (const name of stored) {
      const key = `ClusterTtlBasket:${name}`;
      expect(await client.ttl(key)).toBeGreaterThan(115);
      // The entry sits in the document's own slot, where the finders' purge looks for it.
      const expiry = Number(await client.zscore(`${clusterKeyspace.indexPrefix(Basket.name, key)}@expiry`, name));
      expect(expiry).toBeGreaterThanOrEqual(before + 120_000);
      expect(expiry).toBeLessThanOrEqual(Date.now() + 120_000);
    }
    // A missing key is not brought back by its refresh.
    expect(await client.exists(`ClusterTtlBasket:${names[0]}`)).toBe(0);
  });

  it('answers a document that does not decode with an error in its own slot, the others read', async () => {
    const keys = names.slice(0, 12).map((name) => `ClusterTtlBasket:${name}-c`);
    await Promise.all(keys.map((key, i) => client.set(key, i === 5 ? '{"items": 7}' : JSON.stringify({ items: [] }), 'EX', 60)));
    const { data, errors } = await nodesWithTtl(keys);
    expect(data?.nodes).toEqual(keys.map((key, i) => (i === 5 ? null : { key, ttl: 120 })));
    expect(errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual([['nodes.5', 'CORRUPT_VALUE']]);
  });

  it('answers each key its own remaining TTL without changing it, for a model that does not refresh', async () => {
    const keys = names.map((name) => `ClusterTtlVisit:${name}`);
    const ttlOf = (i: number) => 200 + i * 10;
    await Promise.all(
      names.map(
        (name, i) => stored.includes(name) && client.set(`ClusterTtlVisit:${name}`, JSON.stringify({ page: name }), 'EX', ttlOf(i)),
      ),
    );
    const { result, commands, pipelines } = await perPrimary(() => nodesWithTtl(keys));
    const answered = result.data?.nodes ?? [];
    expect(answered.map((node) => node?.key ?? null)).toEqual(
      names.map((name) => (stored.includes(name) ? `ClusterTtlVisit:${name}` : null)),
    );
    names.forEach((name, i) => {
      if (!stored.includes(name)) return;
      expect(answered[i]?.ttl).toBeLessThanOrEqual(ttlOf(i));
      expect(answered[i]?.ttl).toBeGreaterThan(ttlOf(i) - 5);
    });
    expect(pipelines).toBe(3);
    expectOneCallPerSlot(commands, keys);
    for (const [i, name] of names.entries())
      if (stored.includes(name)) expect(await client.ttl(`ClusterTtlVisit:${name}`)).toBeLessThanOrEqual(ttlOf(i));
    expect(await client.exists(`${clusterKeyspace.indexPrefix(Visit.name, keys[1] as string)}@expiry`)).toBe(0);
  });
});
