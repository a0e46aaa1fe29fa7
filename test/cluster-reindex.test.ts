import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStore, defineModel } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { indexDefinition } from '../src/store/indexes/index-entries.js';
import { reindexModel } from '../src/store/indexes/reindex.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { isScriptCall } from './helpers/command-counter.js';
import { keysEverywhere } from './helpers/cluster-keys.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openClusterGateway, type ClusterGateway } from './helpers/test-cluster.js';

/* Reindexing on the shared test cluster. Shelf is this spec's own model: no other spec writes one. */
const Shelf = defineModel('Shelf', z.object({ label: z.string(), rank: z.int32() }), { index: ['label', 'rank'] });

const run = randomBytes(4).toString('hex');
const connectionName = `cluster-reindex-${run}`;
const COUNT = 40;

let setup: ClusterGateway;
let client: Cluster;
let primaries: Map<string, Redis>;

beforeAll(async () => {
  setup = await openClusterGateway([Shelf], { redisOptions: { connectionName } });
  ({ client, primaries } = setup);
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
});
afterAll(() => setup.close());

const shelfKey = (i: number) => `Shelf:${run}-${i}`;

/**
 * Shelves written by another client, without index entries (data from before indexing, or copied in),
 * one that does not decode, and one gone whose entries stayed behind.
 */
beforeEach(async () => {
  for (const key of [...(await keysEverywhere(primaries, 'Shelf:*')), ...(await keysEverywhere(primaries, 'rmg:idx:*Shelf:*'))])
    await client.del(key);
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) => client.set(shelfKey(i), JSON.stringify({ label: i % 2 ? 'odd' : 'even', rank: i }))),
  );
  await client.set(`Shelf:${run}-corrupt`, 'not json');
  await setup.store.insert([Shelf.create({ label: 'gone', rank: -1 }, { pk: `${run}-gone` })]);
  await client.del(`Shelf:${run}-gone`);
});

/** Every shard of Shelf with its pks, checking that each pk's shard is in its document's slot. */
async function shards(): Promise<string[]> {
  const pks: string[] = [];
  for (const key of await keysEverywhere(primaries, 'rmg:idx:*:Shelf:@pk')) {
    for (const pk of await client.zrange(key, '0', '-1')) {
      expect(key).toBe(`${clusterKeyspace.indexPrefix('Shelf', `Shelf:${pk}`)}@pk`);
      pks.push(pk);
    }
  }
  return pks.sort();
}
const allPks = () => Array.from({ length: COUNT }, (_, i) => `${run}-${i}`).sort();

describe('reindex on a Redis Cluster', () => {
  it('rebuilds every slot’s shard from the documents each primary holds, and removes entries whose document is gone', async () => {
    const progress: Array<[number, number]> = [];
    const result = await reindexModel(client, setup.store.scripts, Shelf, ({ done, total }) => progress.push([done, total]));
    expect(result).toEqual({
      indexed: COUNT,
      corrupt: 1,
      corruptKeys: [{ key: `Shelf:${run}-corrupt`, reason: expect.stringContaining('is not JSON') }],
      removed: 1,
    });
    expect(await shards()).toEqual(allPks());
    expect(progress.at(-1)).toEqual([COUNT + 1, COUNT + 1]);
    expect(await client.hget('rmg:idx:Shelf:@meta', 'fields')).toBe(indexDefinition(Shelf));
    // The shards serve: a delete by where selects through them.
    const deleted = await createStore({ redis: client, models: [Shelf] })
      .session()
      .deleteWhere(Shelf, { label: { eq: 'odd' } });
    expect(deleted.count).toBe(COUNT / 2);
  });

  it('sends each primary a script call per slot holding documents, and one per shard to sweep', async () => {
    const nodeOf = (slot: number) => client.slots[slot]?.[0] as string;
    const slotOf = (pk: string) => keySlot(`Shelf:${pk}`);
    const read = new Set([...allPks(), `${run}-corrupt`].map(slotOf));
    // A shard is kept where a decodable document is, and where the entries of the gone one stayed.
    const swept = new Set([...allPks(), `${run}-gone`].map(slotOf));
    const { commands } = await perPrimaryCommands(client, primaries, connectionName, () =>
      reindexModel(client, setup.store.scripts, Shelf),
    );
    for (const [node, seen] of commands) {
      const on = (slots: Set<number>) => [...slots].filter((slot) => nodeOf(slot) === node).length;
      expect(seen.filter(isScriptCall)).toHaveLength(on(read) + on(swept));
    }
  });

  it('drops, from every shard, the sets of a field the stored definition indexed and the model no longer does', async () => {
    const prefix = clusterKeyspace.indexPrefix('Shelf', shelfKey(3));
    await client.hset('rmg:idx:Shelf:@meta', 'fields', JSON.stringify([...JSON.parse(indexDefinition(Shelf)), ['shelved', 'score']]));
    await client.zadd(`${prefix}shelved`, 1, `${run}-3`);
    await client.zadd(`${prefix}shelved:@null`, 0, `${run}-4`);
    await reindexModel(client, setup.store.scripts, Shelf);
    expect(await keysEverywhere(primaries, 'rmg:idx:*:Shelf:shelved*')).toEqual([]);
    expect(await shards()).toEqual(allPks());
  });
});
