import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStore, defineModel } from '../src/index.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { bounded, childEnv, cleanUpClis, runCli, writeModelsFile } from './helpers/cli-process.js';
import { keysEverywhere } from './helpers/cluster-keys.js';
import { openStandaloneRedis, type StandaloneRedis } from './helpers/redis.js';
import { heldClusterNodes, openTestCluster, type TestCluster } from './helpers/test-cluster.js';

/*
 * Moving a standalone Redis to a cluster: documents written through the gateway on the run's
 * redis-server, copied by `migrate` to the shared test cluster. Migrant and Stamp are this spec's own
 * models: no other spec writes them on the cluster.
 */
const MODELS = [
  `export const Migrant = defineModel('Migrant', z.object({ name: z.string(), age: z.int32() }), { index: ['name', 'age'] });`,
  `export const Stamp = defineModel('Stamp', z.object({ code: z.string() }), { ttl: 3600, index: ['code'] });`,
];
const Migrant = defineModel('Migrant', z.object({ name: z.string(), age: z.int32() }), { index: ['name', 'age'] });
const Stamp = defineModel('Stamp', z.object({ code: z.string() }), { ttl: 3600, index: ['code'] });

const run = randomBytes(4).toString('hex');
const MIGRANTS = 30;
const STAMPS = 5;
const nodes = () => heldClusterNodes().map(({ host, port }) => `${host}:${port}`);

let standalone: StandaloneRedis;
let cluster: TestCluster;
let primaries: Map<string, Redis>;
let modelsFile: string;

beforeAll(async () => {
  standalone = await openStandaloneRedis();
  cluster = await openTestCluster();
  primaries = await cluster.primaries();
  modelsFile = await writeModelsFile(MODELS.join('\n'));
  for (const key of [...(await keysEverywhere(primaries, 'Migrant:*')), ...(await keysEverywhere(primaries, 'Stamp:*'))])
    await cluster.client.del(key);
  const store = createStore({ redis: standalone.client, models: [Migrant, Stamp] });
  await store.insert(
    Array.from({ length: MIGRANTS }, (_, i) => Migrant.create({ name: i % 3 ? 'Ann' : 'Bo', age: i }, { pk: `${run}-${i}` })),
  );
  await store.insert(Array.from({ length: STAMPS }, (_, i) => Stamp.create({ code: `c${i}` }, { pk: `${run}-${i}` })));
});
afterAll(async () => {
  await cleanUpClis();
  await cluster.close();
  await standalone.close();
});

const migrate = async () => {
  const cli = runCli(['migrate', '--models', modelsFile, '--from', standalone.url, '--redis-cluster', nodes().join(',')]);
  expect(await bounded(cli.exited, 'migrate did not exit', cli)).toBe(0);
  return cli.stdout();
};

/** The pks of every shard of `model` on the cluster, each checked to be in its document's slot. */
async function shardPks(model: string): Promise<string[]> {
  const pks: string[] = [];
  for (const key of await keysEverywhere(primaries, `rmg:idx:{*}:${model}:@pk`))
    for (const pk of await cluster.client.zrange(key, '0', '-1')) {
      expect(key).toBe(`${clusterKeyspace.indexPrefix(model, `${model}:${pk}`)}@pk`);
      pks.push(pk);
    }
  return pks.sort();
}
const pksOf = (count: number) => Array.from({ length: count }, (_, i) => `${run}-${i}`).sort();

describe('redis-model-gateway migrate', () => {
  it('copies the documents with their TTLs, none of the standalone rmg: keys, and indexes them in their slots', async () => {
    const stdout = await migrate();
    expect(stdout).toContain(`Migrant: ${MIGRANTS} copied, 0 already on the cluster (left as they are), 0 gone before they were copied`);
    expect(stdout).toContain(`Migrant: ${MIGRANTS} indexed, 0 stale entries removed, 0 not decodable`);
    expect(stdout).toContain(`Stamp: ${STAMPS} copied, 0 already on the cluster`);

    const onCluster = createStore({ redis: cluster.client, models: [Migrant, Stamp] });
    const read = await onCluster.find(
      pksOf(MIGRANTS).map((pk) => `Migrant:${pk}`),
      {},
    );
    expect(read.map((instance) => [instance.key, instance.value])).toEqual(
      pksOf(MIGRANTS).map((pk) => {
        const age = Number(pk.slice(run.length + 1));
        return [`Migrant:${pk}`, { name: age % 3 ? 'Ann' : 'Bo', age }];
      }),
    );
    for (const pk of pksOf(STAMPS)) {
      const ttl = await cluster.client.ttl(`Stamp:${pk}`);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    }
    expect(await cluster.client.ttl(`Migrant:${run}-0`)).toBe(-1);
    // Only the definition key is named as on one Redis; every other index key is a braced shard.
    expect(await keysEverywhere(primaries, 'rmg:idx:Migrant:*')).toEqual(['rmg:idx:Migrant:@meta']);
    expect(await shardPks('Migrant')).toEqual(pksOf(MIGRANTS));
    expect(await shardPks('Stamp')).toEqual(pksOf(STAMPS));
    // The shards serve: a delete by where on the cluster selects through them (and the next spec copies them back).
    expect((await onCluster.session().deleteWhere(Migrant, { name: { eq: 'Bo' } })).count).toBe(MIGRANTS / 3);
  });

  it('copies again only what the cluster lacks, naming what it already holds, and leaves the indexes equal to the documents', async () => {
    const stdout = await migrate();
    expect(stdout).toContain(`Migrant: ${MIGRANTS / 3} copied, ${(MIGRANTS * 2) / 3} already on the cluster (left as they are)`);
    expect(stdout).toMatch(new RegExp(`^  already on the cluster: Migrant:${run}-\\d+$`, 'm'));
    expect(stdout).toContain(`and ${(MIGRANTS * 2) / 3 - 10} more already on the cluster`);
    expect(stdout).toContain(`Stamp: 0 copied, ${STAMPS} already on the cluster`);
    expect(await shardPks('Migrant')).toEqual(pksOf(MIGRANTS));
    expect(await keysEverywhere(primaries, 'Migrant:*')).toHaveLength(MIGRANTS);
    // The source is read, never written.
    expect(await standalone.client.exists(...pksOf(MIGRANTS).map((pk) => `Migrant:${pk}`))).toBe(MIGRANTS);
  });

  it('refuses, with exit 2 and nothing copied, a call without --from or without a cluster', async () => {
    const refused = async (args: string[]) => {
      const cli = runCli(['migrate', '--models', modelsFile, ...args], childEnv());
      expect(await bounded(cli.exited, 'migrate did not exit', cli)).toBe(2);
      return cli.stderr().trim().split('\n')[0];
    };
    expect(await refused(['--redis-cluster', nodes().join(',')])).toBe(
      'error: migrate needs --from: the Redis to copy the documents from.',
    );
    expect(await refused(['--from', standalone.url])).toBe(
      'error: migrate needs --redis-cluster (or $REDIS_CLUSTER_NODES): the Redis Cluster to copy the documents to.',
    );
  });
});
