import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStore, defineModel, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { loadScript } from '../src/store/lua/load-script.js';
import { DELETE_WHERE_ON_NODE } from '../src/store/scripts/delete-where-on-node.js';
import { ESTIMATE_WHERE_ON_NODE } from '../src/store/scripts/estimate-where-on-node.js';
import { isScriptCall } from './helpers/command-counter.js';
import { assignSlot, keysEverywhere, migrate, postGraphQL, primaryFor, startMigration } from './helpers/cluster-keys.js';
import { gatewayError } from './helpers/gateway-error.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openClusterGateway, type ClusterGateway } from './helpers/test-cluster.js';

/*
 * Deletes by where on the shared test cluster. Crate is this spec's own model: no other spec writes one,
 * so a delete of every Crate touches only what this spec wrote.
 */
const Crate = defineModel('Crate', z.object({ label: z.string(), weight: z.int32() }), { index: ['label', 'weight'] });

const run = randomBytes(4).toString('hex');
const connectionName = `cluster-deletes-${run}`;
const COUNT = 60;

let setup: ClusterGateway;
let client: Cluster;
let primaries: Map<string, Redis>;

beforeAll(async () => {
  setup = await openClusterGateway([Crate], { redisOptions: { connectionName } });
  ({ client, primaries } = setup);
  // Every primary gets its connection from the client now, so that its address is known before counting.
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
  // Each script loaded on every primary before any count: a first call is otherwise EVALSHA, NOSCRIPT, then EVAL.
  for (const primary of primaries.values())
    for (const script of [ESTIMATE_WHERE_ON_NODE, DELETE_WHERE_ON_NODE]) await primary.script('LOAD', loadScript(script));
});
afterAll(() => setup.close());

/** Crates of weights 0 to COUNT - 1, each with a pk of its own slot: spread over every primary. */
beforeEach(async () => {
  for (const key of [...(await keysEverywhere(primaries, 'Crate:*')), ...(await keysEverywhere(primaries, 'rmg:idx:*:Crate:*'))])
    await client.del(key);
  await Promise.all(
    Array.from({ length: COUNT }, (_, weight) =>
      setup.store.insert([Crate.create({ label: weight % 2 ? 'odd' : 'even', weight }, { pk: `${run}-${weight}` })]),
    ),
  );
});

const storeWith = (limits: Parameters<typeof createStore>[0]['limits']): Store => createStore({ redis: client, models: [Crate], limits });
const perPrimary = <T>(action: () => Promise<T>) => perPrimaryCommands(client, primaries, connectionName, action);

/** The pks every shard of Crate holds, over every primary, sorted. */
async function indexedPks(): Promise<string[]> {
  const pks: string[] = [];
  for (const key of await keysEverywhere(primaries, 'rmg:idx:*:Crate:@pk')) pks.push(...(await client.zrange(key, '0', '-1')));
  return pks.sort();
}
const storedPks = async () => (await keysEverywhere(primaries, 'Crate:*')).map((key) => key.slice('Crate:'.length)).sort();
const pksOf = (weights: number[]) => weights.map((weight) => `${run}-${weight}`).sort();
const weightsFrom = (first: number) => Array.from({ length: COUNT - first }, (_, i) => first + i);

describe('delete by where on a Redis Cluster', () => {
  it('deletes what the where selects on every primary, with one estimate and one delete call per primary, and counts it exactly', async () => {
    const { result, commands } = await perPrimary(() => setup.store.session().deleteWhere(Crate, { weight: { lt: 30 } }));
    expect(result).toEqual({ count: 30, byModel: { Crate: 30 } });
    expect([...commands.values()].map((seen) => seen.filter(isScriptCall).length)).toEqual([2, 2, 2]);
    expect(await storedPks()).toEqual(pksOf(weightsFrom(30)));
    expect(await indexedPks()).toEqual(pksOf(weightsFrom(30)));
    expect(await keysEverywhere(primaries, 'rmg:tmp:*')).toEqual([]);
  });

  it('serves deleteCrates and deleteAllCrates through GraphQL', async () => {
    const some = await postGraphQL(setup.gateway, `mutation { deleteCrates(where: { label: { eq: "odd" } }) { count } }`);
    expect(some).toEqual({ data: { deleteCrates: { count: COUNT / 2 } } });
    const all = await postGraphQL(setup.gateway, `mutation { deleteAllCrates(confirm: true) { count } }`);
    expect(all).toEqual({ data: { deleteAllCrates: { count: COUNT / 2 } } });
    expect(await storedPks()).toEqual([]);
    expect(await indexedPks()).toEqual([]);
  });

  it('refuses, deleting nothing, a delete whose work summed over every primary is over maxFinderWork though each primary’s share fits', async () => {
    // Selecting by a weight range costs one unit per member: 60 over the cluster, some 20 a primary; deleting one costs 28.
    const store = storeWith({ maxFinderWork: 80 });
    const error = await gatewayError(() => store.session().deleteWhere(Crate, { weight: { gte: 0 } }));
    expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error.message).toContain('deleteCrates');
    expect(await storedPks()).toEqual(pksOf(weightsFrom(0)));
    expect(await indexedPks()).toEqual(pksOf(weightsFrom(0)));
  });

  it('deletes in rounds of at most deleteStep instances summed over every shard, until every match is gone', async () => {
    const rounds: string[] = [];
    const events = { roundTrip: (command: string) => void rounds.push(command) };
    const result = await storeWith({ deleteStep: 7 }).session({ events }).deleteAll(Crate);
    expect(result.count).toBe(COUNT);
    expect(await storedPks()).toEqual([]);
    expect(await indexedPks()).toEqual([]);
    // Each round deletes at most 7: at least 9 rounds, each with one delete call per primary holding a step.
    const deleteCalls = rounds.filter((command) => command === 'deleteWhereOnNode').length;
    expect(deleteCalls).toBeGreaterThanOrEqual(Math.ceil(COUNT / 7));
    expect(deleteCalls).toBeLessThanOrEqual(Math.ceil(COUNT / 7) * 3);
  });

  it('deletes a slot that moved behind the client’s back slot by slot, following the redirection', async () => {
    const key = `Crate:${run}-7`;
    const slot = keySlot(key);
    const from = primaryFor(client, primaries, key);
    const to = [...primaries.values()].find((primary) => primary !== from) as Redis;
    // A client whose map still names the old primary: its call there finds the slot elsewhere.
    const stale = setup.cluster.connect();
    await stale.ping();
    const store = createStore({ redis: stale, models: [Crate] });
    await startMigration(slot, from, to);
    await migrate(slot, from, to);
    await assignSlot(slot, [from, to], to);
    try {
      expect(stale.slots[slot]?.[0]).toBe(`${from.options.host}:${from.options.port}`);
      expect(await store.session().deleteWhere(Crate, { weight: { lt: 10 } })).toMatchObject({ count: 10 });
      expect(await storedPks()).toEqual(pksOf(weightsFrom(10)));
      expect(await indexedPks()).toEqual(pksOf(weightsFrom(10)));
    } finally {
      await startMigration(slot, to, from);
      await migrate(slot, to, from);
      await assignSlot(slot, [from, to], from);
    }
  });

  it('waits out a slot caught migrating, half moved, and deletes it whole once it has moved, counting exactly', async () => {
    const key = `Crate:${run}-3`;
    const slot = keySlot(key);
    const from = primaryFor(client, primaries, key);
    const to = [...primaries.values()].find((primary) => primary !== from) as Redis;
    await startMigration(slot, from, to);
    // The document moves first, its shard stays behind: the per-node call must not touch the slot.
    await migrate(slot, from, to, [key]);
    let estimates = 0;
    let finishing: Promise<void> | undefined;
    const events = {
      roundTrip: (command: string) => {
        // Past the one call per primary, the slot's own call: only then does the migration end.
        if (command === 'estimateWhere' && ++estimates === primaries.size + 1)
          finishing = (async () => {
            await migrate(slot, from, to);
            await assignSlot(slot, [from, to], to);
          })();
      },
    };
    try {
      const result = await setup.store.session({ events }).deleteWhere(Crate, { weight: { lt: 10 } });
      await finishing;
      expect(finishing).toBeDefined();
      expect(result.count).toBe(10);
      expect(await storedPks()).toEqual(pksOf(weightsFrom(10)));
      expect(await indexedPks()).toEqual(pksOf(weightsFrom(10)));
    } finally {
      await finishing;
      await startMigration(slot, to, from);
      await migrate(slot, to, from);
      await assignSlot(slot, [from, to], from);
    }
  });
});
