import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, User } from '../examples/shop.js';
import { createStore, type Gateway, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { isScriptCall } from './helpers/command-counter.js';
import { gatewayError } from './helpers/gateway-error.js';
import { keysEverywhere, postGraphQL } from './helpers/cluster-keys.js';
import { perPrimary as perPrimaryCommands } from './helpers/per-primary.js';
import { openClusterGateway, type ClusterGateway } from './helpers/test-cluster.js';

// The cluster is shared with other spec files: every pk here holds this run's id.
const run = randomBytes(4).toString('hex');
const connectionName = `cluster-per-slot-${run}`;

let setup: ClusterGateway;
let client: Cluster;
let gateway: Gateway<Cluster>;
let store: Store;
let primaries: Map<string, Redis>;

beforeAll(async () => {
  setup = await openClusterGateway(models, { redisOptions: { connectionName } });
  ({ client, gateway, store, primaries } = setup);
  await client.ping();
  await Promise.all(client.nodes('master').map((node) => node.ping()));
});
afterAll(async () => {
  await setup.close();
});

/** Three hash tags of a test, in ascending order of their slots: the order PER_SLOT commits their groups in. */
function tagsBySlot(test: string): [string, string, string] {
  const tags = ['a', 'b', 'c'].map((letter) => `{${test}${run}${letter}}`).sort((x, y) => keySlot(x) - keySlot(y));
  expect(new Set(tags.map(keySlot)).size).toBe(3);
  return tags as [string, string, string];
}

const userInput = (pk: string) => ({ user: { pk, name: `N ${pk}`, age: 30, email: 'p@example.com' } });
const exists = async (keys: readonly string[]) => Promise.all(keys.map(async (key) => (await client.exists(key)) === 1));

const INSERT = `mutation Insert($models: [ModelInput!]!, $onConflict: OnConflict, $writeId: String) {
  insertMany(models: $models, onConflict: $onConflict, atomicity: PER_SLOT, writeId: $writeId) { key }
}`;
const DELETE = `mutation Delete($keys: [ID!]!, $writeId: String) {
  deleteMany(keys: $keys, atomicity: PER_SLOT, writeId: $writeId) { count byModel { model count } }
}`;

interface GroupReport {
  slot: number;
  keys: string[];
  written: boolean;
  error?: { code: string; message: string };
}

describe('insertMany with atomicity PER_SLOT on a Redis Cluster', () => {
  it('writes each slot’s documents with one script call per slot, and answers them in input order', async () => {
    const [a, b, c] = tagsBySlot('w');
    const pks = [`${c}1`, `${a}1`, `${b}1`, `${a}2`, `${c}2`, `${b}2`];
    const { result, commands } = await perPrimaryCommands(client, primaries, connectionName, () =>
      postGraphQL<{ insertMany: Array<{ key: string }> }>(gateway, INSERT, { models: pks.map(userInput) }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.insertMany.map(({ key }) => key)).toEqual(pks.map((pk) => `User:${pk}`));
    const scripts = [...commands.values()].flat().filter(isScriptCall);
    expect(scripts).toHaveLength(3);
    expect(await exists(pks.map((pk) => `User:${pk}`))).toEqual(pks.map(() => true));
    expect((await store.find(pks.map((pk) => `User:${pk}`))).map((user) => user.value.name)).toEqual(pks.map((pk) => `N ${pk}`));
  });

  it('stops at the first group that fails, in ascending slot order, reports every group, and a retry with its writeId finishes the rest', async () => {
    const [a, b, c] = tagsBySlot('p');
    const pks = [`${a}1`, `${b}1`, `${b}2`, `${c}1`];
    const keys = pks.map((pk) => `User:${pk}`);
    await store.insert([User.create({ name: 'Blocker', age: 1, email: 'b@example.com' }, { pk: `${b}2` })]);
    const writeId = `per-slot-${run}`;
    const variables = { models: pks.map(userInput), onConflict: 'FAIL', writeId };

    const first = await postGraphQL(gateway, INSERT, variables);
    expect(first.data).toBeNull();
    expect(first.errors?.map((error) => [error.extensions?.code, error.path?.join('.')])).toEqual([['PARTIALLY_WRITTEN', 'insertMany']]);
    const extensions = first.errors?.[0]?.extensions as { writeId: string; operation: string; groups: GroupReport[] };
    expect(extensions.writeId).toBe(writeId);
    expect(extensions.operation).toBe('insertMany');
    expect(
      extensions.groups.map(({ slot, keys: inGroup, written, error }) => ({ slot, keys: inGroup, written, code: error?.code })),
    ).toEqual([
      { slot: keySlot(a), keys: [keys[0]], written: true, code: undefined },
      { slot: keySlot(b), keys: [keys[1], keys[2]], written: false, code: 'KEY_EXISTS' },
      { slot: keySlot(c), keys: [keys[3]], written: false, code: undefined },
    ]);
    expect(extensions.groups[1]?.error?.message).toContain(`key "${keys[2]}" already exists`);
    expect(first.errors?.[0]?.message).toContain(`wrote 1 of 3 slot groups`);
    expect(first.errors?.[0]?.message).toContain(`writeId "${writeId}"`);
    // The group before the failed one is written whole; the failed one and the one after it not at all.
    expect(await exists(keys)).toEqual([true, false, true, false]);
    expect((await store.find([keys[2] as string]))[0]?.value.name).toBe('Blocker');

    await store.session().deleteMany([keys[2] as string]);
    // Its first group is already written: onConflict FAIL would refuse it, were it not answered from its record.
    const retried = await postGraphQL<{ insertMany: Array<{ key: string }> }>(gateway, INSERT, variables);
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.insertMany.map(({ key }) => key)).toEqual(keys);
    expect(await exists(keys)).toEqual([true, true, true, true]);
    expect(await keysEverywhere(primaries, `rmg:wrote:*:${writeId}:*`)).toHaveLength(3);
  });

  it('fails as ALL does when every key is in one slot: one group, under the writeId itself', async () => {
    const [a] = tagsBySlot('o');
    await store.insert([User.create({ name: 'Here', age: 1, email: 'h@example.com' }, { pk: `${a}2` })]);
    const refused = await postGraphQL(gateway, INSERT, { models: [userInput(`${a}1`), userInput(`${a}2`)], onConflict: 'FAIL' });
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['KEY_EXISTS']);
    expect(await exists([`User:${a}1`])).toEqual([false]);
  });

  it('refuses a document too large in its last group before the first group is written', async () => {
    const [a, , c] = tagsBySlot('l');
    const small = createStore({ redis: client, models, limits: { maxDocumentBytes: 200 } });
    const drafts = [
      User.create({ name: 'Fits', age: 1, email: 'f@example.com' }, { pk: `${a}1` }),
      User.create({ name: 'x'.repeat(300), age: 1, email: 'x@example.com' }, { pk: `${c}1` }),
    ];
    const error = await gatewayError(() => small.insert(drafts, { atomicity: 'PER_SLOT' }));
    expect(error.code).toBe('VALUE_TOO_LARGE');
    expect(error.details).toMatchObject({ key: `User:${c}1`, index: 1 });
    expect(await exists([`User:${a}1`, `User:${c}1`])).toEqual([false, false]);
  });
});

describe('deleteMany with atomicity PER_SLOT on a Redis Cluster', () => {
  it('deletes slot by slot, and a retry with the same writeId answers what the first run deleted', async () => {
    const [a, b, c] = tagsBySlot('d');
    const pks = [`${b}1`, `${a}1`, `${c}1`, `${a}2`];
    await Promise.all(
      [[`${a}1`, `${a}2`], [`${b}1`], [`${c}1`]].map((inSlot) =>
        store.insert(inSlot.map((pk) => User.create({ name: 'Gone', age: 1, email: 'g@example.com' }, { pk }))),
      ),
    );
    const keys = [...pks.map((pk) => `User:${pk}`), `User:${c}missing`];
    const writeId = `delete-${run}`;
    const { result, commands } = await perPrimaryCommands(client, primaries, connectionName, () =>
      postGraphQL<{ deleteMany: { count: number } }>(gateway, DELETE, { keys, writeId }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.deleteMany).toEqual({ count: 4, byModel: [{ model: 'User', count: 4 }] });
    expect([...commands.values()].flat().filter(isScriptCall)).toHaveLength(3);
    expect(await exists(keys)).toEqual(keys.map(() => false));

    expect((await postGraphQL(gateway, DELETE, { keys, writeId })).data).toEqual({
      deleteMany: { count: 4, byModel: [{ model: 'User', count: 4 }] },
    });
    expect((await postGraphQL(gateway, DELETE, { keys })).data).toEqual({ deleteMany: { count: 0, byModel: [] } });
  });
});
