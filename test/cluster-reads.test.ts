import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../examples/shop.js';
import { createStore, type Gateway } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { NodesDocument, type NodesQuery } from './generated/graphql.js';
import { assignSlot, migrate, startMigration } from './helpers/cluster-keys.js';
import type { SeenCommand } from './helpers/command-counter.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openClusterGateway, type ClusterGateway, type TestCluster } from './helpers/test-cluster.js';
import type { GraphQLErrorBody } from './helpers/test-gateway.js';

// The cluster is shared with other spec files: this one keeps to keys of its own run, and counts only
// what its own client's connections send.
const run = randomBytes(4).toString('hex');
const connectionName = `cluster-reads-${run}`;
const userKey = (name: string) => `User:${run}-${name}`;
const userDocument = (name: string) => JSON.stringify({ name: `User ${name}`, age: name.length, email: `u@example.com`, balance: 0 });

let cluster: TestCluster;
let client: Cluster;
let gateway: Gateway<Cluster>;
let primaries: Map<string, Redis>;

let setup: ClusterGateway;

beforeAll(async () => {
  setup = await openClusterGateway(models, { redisOptions: { connectionName } });
  ({ cluster, client, gateway, primaries } = setup);
  // Every primary gets its connection from the client now, so that its address is known before counting.
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
});
afterAll(async () => {
  await setup.close();
});

/** The primary serving `key`, by ioredis's name for it (`host:port`), as the client's slot map says. */
const primaryOf = (key: string, on: Cluster = client) => on.slots[keySlot(key)]?.[0] ?? 'none';

/** What each primary received from the gateway's client while `action` ran (see per-primary.ts). */
const perPrimary = <T>(action: () => Promise<T>) => perPrimaryCommands(client, primaries, connectionName, action);

async function nodes(keys: readonly string[]): Promise<{ data: NodesQuery | undefined; errors: GraphQLErrorBody[] | undefined }> {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(NodesDocument), variables: { keys } }),
  });
  return (await response.json()) as { data: NodesQuery | undefined; errors: GraphQLErrorBody[] | undefined };
}

/** The keys of the one read script call a primary received, checked to be all it received. */
function keysReadBy(commands: readonly SeenCommand[]): string[] {
  expect(commands.map((command) => [command.name, command.args[1]])).toEqual([['evalsha', '0']]);
  return commands[0]?.args.slice(2) ?? [];
}

describe('reads on a Redis Cluster', () => {
  const names = Array.from({ length: 100 }, (_, i) => `n${i}`);
  const stored = names.filter((_, i) => i % 5 !== 0);

  beforeAll(async () => {
    await Promise.all(stored.map((name) => client.set(userKey(name), userDocument(name))));
  });

  it('answers nodes(keys) of 100 keys in key order, missing keys null, with one command per primary, whatever the slots', async () => {
    const keys = names.map(userKey);
    expect(new Set(keys.map((key) => primaryOf(key))).size).toBe(3);
    // Every primary has the read script then: the counted read sends EVALSHA alone, never EVAL after a NOSCRIPT.
    await nodes(keys);
    const { result, commands, pipelines } = await perPrimary(() => nodes(keys));
    expect(result.data?.nodes.map((node) => node?.key ?? null)).toEqual(
      names.map((name) => (stored.includes(name) ? userKey(name) : null)),
    );
    expect(result.data?.nodes[1]).toMatchObject({ key: userKey('n1'), name: 'User n1', age: 2 });
    expect(result.errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual(
      names.flatMap((name, i) => (stored.includes(name) ? [] : [[`nodes.${i}`, 'KEY_NOT_FOUND']])),
    );
    expect(pipelines).toBe(0);
    for (const [node, seen] of commands) {
      const mine = keys.filter((key) => primaryOf(key) === node);
      // Keys of many slots in one call: about 33 slots a primary here.
      expect(new Set(mine.map(keySlot)).size).toBeGreaterThan(10);
      expect(keysReadBy(seen)).toEqual(mine);
    }
  });

  it('sends nothing to a primary that holds none of the batch keys (Store.find)', async () => {
    const skipped = primaryOf(userKey('n0'));
    const chosen = names.filter((name) => primaryOf(userKey(name)) !== skipped);
    const store = createStore({ redis: client, models });
    await store.find(chosen.map(userKey), { skipMissing: true });
    const { result, commands } = await perPrimary(() => store.find(chosen.map(userKey), { skipMissing: true }));
    expect(result.map((instance) => instance.key)).toEqual(chosen.filter((name) => stored.includes(name)).map(userKey));
    expect(commands.get(skipped)).toEqual([]);
    expect([...commands].filter(([node]) => node !== skipped).map(([, seen]) => keysReadBy(seen).length)).not.toContain(0);
  });

  // MOVED: the slot is the other primary's now. ASK: it is being migrated, its keys are gone already.
  it.each(['moved', 'migrating'] as const)(
    'still reads every key when a slot is %s to another primary after the client learned the slot map',
    async (state) => {
      const reader = cluster.connect();
      await reader.ping();
      const store = createStore({ redis: reader, models });
      const keys = names.map(userKey);
      const moved = userKey(stored[0]!);
      const slot = keySlot(moved);
      const from = primaries.get(primaryOf(moved, reader))!;
      const to = [...primaries].find(([node]) => node !== primaryOf(moved, reader))!;
      // The primary serves other slots of the batch too: its read script fails on the moved slot's key,
      // and that primary's keys are read by slot instead, following the redirection.
      expect(new Set(keys.filter((key) => primaryOf(key, reader) === primaryOf(moved, reader)).map(keySlot)).size).toBeGreaterThan(1);
      await startMigration(slot, from, to[1]);
      await migrate(slot, from, to[1]);
      if (state === 'moved') await assignSlot(slot, [from, to[1]], to[1]);
      try {
        const found = await store.find(keys, { skipMissing: true });
        expect(found.map((instance) => instance.key)).toEqual(stored.map(userKey));
        if (state === 'moved') expect(reader.slots[slot]?.[0]).toBe(to[0]);
      } finally {
        // A migrating slot's old owner refuses its keys back (ASK): finish the move, then move it back.
        if (state === 'migrating') await assignSlot(slot, [from, to[1]], to[1]);
        await startMigration(slot, to[1], from);
        await migrate(slot, to[1], from);
        await assignSlot(slot, [from, to[1]], from);
      }
    },
  );
});
