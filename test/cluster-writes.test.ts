import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, Order, Product, User } from '../examples/shop.js';
import { createStore, type Gateway, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';
import { clusterKeyspace, indexKeysAt } from '../src/store/keyspace.js';
import { gatewayError } from './helpers/gateway-error.js';
import { assignSlot, keysEverywhere, migrate, postGraphQL, primaryFor, startMigration } from './helpers/cluster-keys.js';
import { openClusterGateway, type ClusterGateway, type TestCluster } from './helpers/test-cluster.js';

// The cluster is shared with other spec files: every pk here holds this run's id.
const run = randomBytes(4).toString('hex');
const tag = `{cw${run}}`;

let cluster: TestCluster;
let client: Cluster;
let gateway: Gateway<Cluster>;
let store: Store;
let primaries: Map<string, Redis>;

let setup: ClusterGateway;

beforeAll(async () => {
  setup = await openClusterGateway(models);
  ({ cluster, client, gateway, store, primaries } = setup);
});
afterAll(async () => {
  await setup.close();
});

/**
 * A sorted set's members with their scores, read from the primary that owns `documentKey`'s slot, after
 * checking that the set is in that very slot (a key of another node's slot would answer MOVED).
 */
async function membersAt(key: string, documentKey: string): Promise<Array<[string, number]>> {
  expect(keySlot(key)).toBe(keySlot(documentKey));
  const flat = await primaryFor(client, primaries, documentKey).zrange(key, '0', '-1', 'WITHSCORES');
  const pairs: Array<[string, number]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as string, Number(flat[i + 1])]);
  return pairs;
}

const prefixOf = (model: string, key: string) => clusterKeyspace.indexPrefix(model, key);
/** Every key this run left anywhere in the cluster: documents and the gateway's own keys that name its pks. */
const everythingOf = async (marker: string) => keysEverywhere(primaries, `*${marker}*`);

const INSERT = `mutation Insert($models: [ModelInput!]!) { insertMany(models: $models) { key pk ttl } }`;

describe('writes on a Redis Cluster', () => {
  it("writes documents and every index entry in the documents' slot, read back from the node that owns it", async () => {
    const userKey = `User:${tag}alice`;
    const orderKey = `Order:${tag}o1`;
    const placedAt = new Date('2024-01-02T03:04:05.678Z');
    const [user, order] = await store.insert([
      User.create({ name: 'Alice', age: 30, email: 'a@example.com' }, { pk: `${tag}alice` }),
      Order.create({ userId: userKey, productId: 'Product:p', quantity: 1, placedAt }, { pk: `${tag}o1` }),
    ]);
    expect([user?.key, order?.key]).toEqual([userKey, orderKey]);
    const owner = primaryFor(client, primaries, userKey);
    expect(await owner.get(userKey)).toContain('"Alice"');
    expect(await owner.ttl(orderKey)).toBeGreaterThan(0);

    const users = prefixOf('User', userKey);
    expect(users).toBe(`rmg:idx:{${tagOfSlot(userKey)}}:User:`);
    expect(await membersAt(`${users}@pk`, userKey)).toEqual([[`${tag}alice`, 0]]);
    expect(await membersAt(`${users}name`, userKey)).toEqual([[`Alice\0\0${tag}alice`, 0]]);
    expect(await membersAt(`${users}age`, userKey)).toEqual([[`${tag}alice`, 30]]);
    expect(keySlot(`${users}@entries`)).toBe(keySlot(userKey));
    expect(await owner.hget(`${users}@entries`, `${tag}alice`)).toBe(
      JSON.stringify([
        ['name', 'l', `Alice\0\0${tag}alice`],
        ['age', 's', 30],
      ]),
    );

    const orders = prefixOf('Order', orderKey);
    expect(await membersAt(`${orders}@pk`, orderKey)).toEqual([[`${tag}o1`, 0]]);
    expect(await membersAt(`${orders}placedAt`, orderKey)).toEqual([[`${tag}o1`, placedAt.getTime()]]);
    expect((await membersAt(`${orders}@expiry`, orderKey)).map(([pk]) => pk)).toEqual([`${tag}o1`]);
    expect(keySlot(orderKey)).toBe(keySlot(userKey));
    // Nothing went to the one-Redis layout's shards (the definition, one key per model, has that name in both layouts).
    expect((await keysEverywhere(primaries, 'rmg:idx:User:*')).filter((key) => key !== 'rmg:idx:User:@meta')).toEqual([]);
  });

  it("updates a document's index entries in its slot under a lock, and setTtl moves its @expiry entry there", async () => {
    const key = `User:${tag}bob`;
    await store.insert([User.create({ name: 'Bob', age: 17, email: 'b@example.com' }, { pk: `${tag}bob` })]);
    const result = await store.session().withLock(key, 'birthday', { update: { inc: { age: 1 }, set: { name: 'Robert' } } });
    expect(result.applied).toBe(true);
    const users = prefixOf('User', key);
    expect(await membersAt(`${users}age`, key)).toContainEqual([`${tag}bob`, 18]);
    const names = (await membersAt(`${users}name`, key)).map(([member]) => member);
    expect(names).toContain(`Robert\0\0${tag}bob`);
    expect(names).not.toContain(`Bob\0\0${tag}bob`);

    const instance = await store.session().setTtl(key, 600);
    expect(instance.ttl).toBe(600);
    expect(await primaryFor(client, primaries, key).ttl(key)).toBe(600);
    expect((await membersAt(`${users}@expiry`, key)).map(([pk]) => pk)).toContain(`${tag}bob`);
    await store.session().setTtl(key, null);
    expect((await membersAt(`${users}@expiry`, key)).map(([pk]) => pk)).not.toContain(`${tag}bob`);
  });

  it('deletes documents with every index entry in their slot', async () => {
    const keys = [`User:${tag}carol`, `Product:${tag}pen`] as const;
    await store.insert([
      User.create({ name: 'Carol', age: 45, email: 'c@example.com' }, { pk: `${tag}carol` }),
      Product.create({ name: 'Pen', price: 2 }, { pk: `${tag}pen` }),
    ]);
    const deleted = await store.session().deleteMany(keys);
    expect(deleted).toEqual({ count: 2, byModel: { User: 1, Product: 1 } });
    expect(await everythingOf(`${run}carol`)).toEqual([]);
    expect(await everythingOf(`${run}pen`)).toEqual([]);
    const products = prefixOf('Product', `Product:${tag}pen`);
    for (const indexKey of indexKeysAt(products, ['price', 'inStock'])) {
      const members = indexKey.endsWith('@entries')
        ? await primaryFor(client, primaries, keys[1]).hkeys(indexKey)
        : (await membersAt(indexKey, keys[1])).map(([member]) => member);
      expect(members).not.toContain(`${tag}pen`);
    }
  });

  it('lands every document of a generated-pk insertMany of several models in one slot, under <uuidv7>{<tag>} pks', async () => {
    const { data, errors } = await postGraphQL<{ insertMany: Array<{ key: string; pk: string }> }>(gateway, INSERT, {
      models: [
        { user: { name: `Gen ${run}`, age: 20, email: 'g@example.com' } },
        { product: { name: `One ${run}`, price: 1 } },
        { product: { name: `Two ${run}`, price: 2 } },
        { order: { userId: `User:${tag}alice`, productId: `Product:${tag}pen`, quantity: 1, placedAt: '2024-01-01T00:00:00.000Z' } },
      ],
    });
    expect(errors).toBeUndefined();
    const inserted = data?.insertMany ?? [];
    expect(inserted).toHaveLength(4);
    const slots = new Set(inserted.map(({ key }) => keySlot(key)));
    expect(slots.size).toBe(1);
    const pkTag = inserted[0]?.pk.slice(36) ?? '';
    for (const { pk } of inserted)
      expect(pk).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\{[0-9a-z]{1,4}\}$/);
    for (const { pk } of inserted) expect(pk.slice(36)).toBe(pkTag);
    const owner = primaryFor(client, primaries, inserted[0]?.key ?? '');
    expect(await owner.exists(...inserted.map(({ key }) => key))).toBe(4);
  });

  it('writes a user, two products and an order that refers to them, made with store.newPks(), in one slot', async () => {
    const pks = store.newPks();
    const user = User.create({ name: 'Seed', age: 33, email: 's@example.com' }, { pk: pks() });
    const product1 = Product.create({ name: 'Book', price: 12 }, { pk: pks() });
    const product2 = Product.create({ name: 'Lamp', price: 30 }, { pk: pks() });
    const order = Order.create({ userId: user.key, productId: product1.key, quantity: 1, placedAt: new Date() }, { pk: pks() });
    const written = await store.insert([user, product1, product2, order], { onConflict: 'FAIL' });
    expect(new Set(written.map((instance) => keySlot(instance.key))).size).toBe(1);
    expect(await store.find([user.key, product1.key, product2.key, order.key])).toHaveLength(4);
  });
});

describe('writes over several slots on a Redis Cluster', () => {
  const apart = [`User:${run}-x1`, `Product:${run}-x2`] as const;

  it('refuses an insertMany whose explicit pks span slots with CROSS_SLOT, naming each key and slot, writing nothing anywhere', async () => {
    expect(keySlot(apart[0])).not.toBe(keySlot(apart[1]));
    const { data, errors } = await postGraphQL(gateway, INSERT, {
      models: [
        { user: { pk: `${run}-x1`, name: 'X', age: 1, email: 'x@example.com' } },
        { product: { pk: `${run}-x2`, name: 'Y', price: 1 } },
      ],
    });
    expect(data).toBeNull();
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['CROSS_SLOT']);
    const message = errors?.[0]?.message ?? '';
    for (const key of apart) expect(message).toContain(`slot ${keySlot(key)}: "${key}"`);
    expect(message).toMatch(/common hash tag/);
    expect(errors?.[0]?.extensions?.keys).toEqual(apart.map((key) => ({ key, slot: keySlot(key) })));
    expect(await everythingOf(`${run}-x`)).toEqual([]);
  });

  it('refuses a TypeScript insert of generated pks from separate create calls when they span slots, writing nothing', async () => {
    // Model.create alone makes plain UUIDv7s, which fall in random slots: the fix is store.newPks().
    const drafts = Array.from({ length: 8 }, (_, i) => User.create({ name: `Plain ${run} ${i}`, age: i, email: 'p@example.com' }));
    expect(new Set(drafts.map((draft) => keySlot(draft.key))).size).toBeGreaterThan(1);
    const error = await gatewayError(() => store.insert(drafts));
    expect(error.code).toBe('CROSS_SLOT');
    for (const draft of drafts) expect(await primaryFor(client, primaries, draft.key).exists(draft.key)).toBe(0);
  });

  it('refuses a deleteMany over two slots with CROSS_SLOT, deleting nothing', async () => {
    const [userKey, productKey] = [`User:${run}-d1`, `Product:${run}-d2`];
    expect(keySlot(userKey)).not.toBe(keySlot(productKey));
    await store.insert([User.create({ name: 'D', age: 1, email: 'd@example.com' }, { pk: `${run}-d1` })]);
    await store.insert([Product.create({ name: 'D', price: 1 }, { pk: `${run}-d2` })]);
    const error = await gatewayError(() => store.session().deleteMany([userKey, productKey]));
    expect(error.code).toBe('CROSS_SLOT');
    expect(await store.find([userKey, productKey])).toHaveLength(2);
    expect((await membersAt(`${prefixOf('User', userKey)}@pk`, userKey)).map(([pk]) => pk)).toContain(`${run}-d1`);
  });
});

describe('writes to a slot being migrated', () => {
  it('never half-write: refused whole while the document has moved and its index has not, then written whole once the slot has', async () => {
    // A client of its own: the slot map it learns while the slot moves is not the shared client's.
    const writer = cluster.connect();
    const writes = createStore({ redis: writer, models });
    const pk = `{mig${run}}a`;
    const key = `User:${pk}`;
    await writes.insert([User.create({ name: 'Before', age: 1, email: 'm@example.com' }, { pk })]);
    const slot = keySlot(key);
    const from = primaryFor(writer, primaries, key);
    const to = [...primaries.values()].find((primary) => primary !== from) as Redis;
    const ages = `${prefixOf('User', key)}age`;
    await startMigration(slot, from, to);
    try {
      // The document moves first; its index keys are still on the old owner. Declared together, they make
      // the old owner answer TRYAGAIN (some keys here, some gone) before the script runs, until ioredis gives up.
      await migrate(slot, from, to, [key]);
      const outcome = await writes.insert([User.create({ name: 'After', age: 2, email: 'm@example.com' }, { pk })]).then(
        () => 'written',
        (error: Error) => error.message,
      );
      expect(outcome).not.toBe('written');
      const onNewOwner = await to.pipeline().asking().get(key).exec();
      expect(onNewOwner?.[1]?.[1]).toContain('"Before"');
      expect(await from.zrange(ages, '0', '-1', 'WITHSCORES')).toEqual([pk, '1']);
      await migrate(slot, from, to);
      await assignSlot(slot, [from, to], to);

      await writes.insert([User.create({ name: 'After', age: 2, email: 'm@example.com' }, { pk })]);
      expect(await to.get(key)).toContain('"After"');
      expect(await to.zrange(ages, '0', '-1', 'WITHSCORES')).toEqual([pk, '2']);
    } finally {
      await assignSlot(slot, [from, to], to).catch(() => undefined);
      await startMigration(slot, to, from);
      await migrate(slot, to, from);
      await assignSlot(slot, [from, to], from);
      await writer.quit();
    }
  });
});

describe('finders on a Redis Cluster', () => {
  it('answers a finder and a delete by where, gathering them from the shards of every slot, while reads by key work', async () => {
    const name = `Finder ${run}`;
    await store.insert([User.create({ name, age: 33, email: 'f@example.com' }, { pk: `${tag}finder` })]);
    const found = await postGraphQL<{ allUsers: { edges: Array<{ node: { key: string } }>; totalCount: number } }>(
      gateway,
      `{ allUsers(where: { name: { eq: "${name}" } }) { edges { node { key } } totalCount } }`,
    );
    expect(found.errors).toBeUndefined();
    expect(found.data?.allUsers).toEqual({ edges: [{ node: { key: `User:${tag}finder` } }], totalCount: 1 });

    // Two users in two slots, of a name no other spec uses: the delete gathers them from their shards.
    const gone = `Gone${run}`;
    await store.insert([User.create({ name: gone, age: 1, email: 'g@example.com' }, { pk: `{g1${run}}u` })]);
    await store.insert([User.create({ name: gone, age: 2, email: 'g@example.com' }, { pk: `{g2${run}}u` })]);
    const deleted = await postGraphQL(gateway, `mutation { deleteUsers(where: { name: { eq: "${gone}" } }) { count } }`);
    expect(deleted).toEqual({ data: { deleteUsers: { count: 2 } } });
    expect(await everythingOf(`${run}}u`)).toEqual([]);
    expect(await keysEverywhere(primaries, 'rmg:tmp:*')).toEqual([]);
    expect(await client.exists(`User:${tag}finder`)).toBe(1);

    const byKeys = await postGraphQL<{ allUsers: { edges: Array<{ node: { key: string } }> } }>(
      gateway,
      `{ allUsers(keys: ["User:${tag}alice"]) { edges { node { key } } } }`,
    );
    expect(byKeys.data?.allUsers.edges.map((edge) => edge.node.key)).toEqual([`User:${tag}alice`]);
  });
});

const tagOfSlot = (key: string) => slotTag(keySlot(key));
