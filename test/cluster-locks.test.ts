import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, Product, User } from '../examples/shop.js';
import { type Gateway, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { COUNTER_SPAN } from '../src/store/fencing-token.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { gatewayError } from './helpers/gateway-error.js';
import { keysEverywhere, postGraphQL, primaryFor } from './helpers/cluster-keys.js';
import { openClusterGateway, type ClusterGateway, type TestCluster } from './helpers/test-cluster.js';

// The cluster is shared with other spec files: every pk here holds this run's id.
const run = randomBytes(4).toString('hex');
const tag = `{cl${run}}`;
const userKey = `User:${tag}alice`;
const productKey = `Product:${tag}book`;

let cluster: TestCluster;
let client: Cluster;
let gateway: Gateway<Cluster>;
let store: Store;
let primaries: Map<string, Redis>;

let setup: ClusterGateway;

beforeAll(async () => {
  setup = await openClusterGateway(models);
  ({ cluster, client, gateway, store, primaries } = setup);
  await store.insert([
    User.create({ name: 'Alice', age: 30, email: 'a@example.com', balance: 100 }, { pk: `${tag}alice` }),
    Product.create({ name: 'Book', price: 12, stock: 3 }, { pk: `${tag}book` }),
  ]);
});
afterAll(async () => {
  await setup.close();
});

/** The primary serving the slot the test's documents share. */
const owner = () => primaryFor(client, primaries, userKey);

describe('locks on a Redis Cluster', () => {
  it("keeps the lock key in the document's slot while held, on the node that owns it, and removes it on release", async () => {
    const lockKey = clusterKeyspace.lockKey(userKey, 'inspect');
    expect(lockKey).toMatch(/^rmg:lock:\{[0-9a-z]+\}:inspect:User:/);
    expect(keySlot(lockKey)).toBe(keySlot(userKey));
    let heldAs: string | null = null;
    const result = await store.withLock(userKey, 'inspect', async () => {
      heldAs = await owner().get(lockKey);
    });
    expect(result.applied).toBe(false);
    expect(heldAs).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await owner().exists(lockKey)).toBe(0);
  });

  it("hands out fencing tokens of the owner's config epoch and a counter in the slot, growing with every acquisition on the key", async () => {
    const fenceKey = clusterKeyspace.fenceKey(userKey);
    expect(keySlot(fenceKey)).toBe(keySlot(userKey));
    const epoch = BigInt(/cluster_my_epoch:(\d+)/.exec(String(await owner().cluster('INFO')))?.[1] ?? '');
    expect(epoch).toBeGreaterThan(0n);
    const tokens: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const { lease } = await store.session().acquireLock(userKey, 'count');
      const token = BigInt(lease.fencingToken);
      tokens.push(token);
      // epoch × 10^13 + the counter's value: the epoch is the node's, the counter the slot's.
      expect(token / COUNTER_SPAN).toBe(epoch);
      expect(token % COUNTER_SPAN).toBeLessThanOrEqual(BigInt((await owner().get(fenceKey)) ?? '0'));
      await store.session().releaseLock(lease.token);
    }
    expect(tokens[0]).toBeGreaterThan(0n);
    expect(tokens[1]).toBeGreaterThan(tokens[0] as bigint);
    expect(tokens[2]).toBeGreaterThan(tokens[1] as bigint);
    // Another key of the same slot draws on the same counter: tokens grow per key, and per slot too.
    const { lease } = await store.session().acquireLock(productKey, 'count');
    expect(BigInt(lease.fencingToken)).toBeGreaterThan(tokens[2] as bigint);
    await store.session().releaseLock(lease.token);
  });

  it('buys with withLocks over a user and a product that share a hash tag: both saved in one script', async () => {
    const { data, errors } = await postGraphQL<{ withLocks: Array<{ applied: boolean; fencingToken: string }> }>(
      gateway,
      `mutation Buy($steps: [LockStep!]!) { withLocks(action: "purchase", steps: $steps) { applied fencingToken } }`,
      {
        steps: [
          { key: userKey, when: { user: { balance: { gte: 12 } } }, update: { user: { inc: { balance: -12 } } } },
          { key: productKey, when: { product: { stock: { gte: 1 } } }, update: { product: { inc: { stock: -1 } } } },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data?.withLocks.map((result) => result.applied)).toEqual([true, true]);
    const [user, product] = await store.find([userKey, productKey]);
    expect(user?.value).toMatchObject({ balance: 88 });
    expect(product?.value).toMatchObject({ stock: 2 });
  });

  it('saves an update given at releaseLock under the lease taken with acquireLock (the token names its lock in the slot)', async () => {
    const { lease } = await store.session().acquireLock(userKey, 'topup');
    expect(lease.lockKey).toBe(clusterKeyspace.lockKey(userKey, 'topup'));
    const result = await store.session().releaseLock(lease.token, { update: { inc: { balance: 10 } } });
    expect(result.applied).toBe(true);
    expect((await store.get(userKey))?.value).toMatchObject({ balance: 98 });
    expect(await owner().exists(lease.lockKey)).toBe(0);
  });

  it('refuses withLocks over a user and a product in two slots with CROSS_SLOT before taking any lock', async () => {
    const [apartUser, apartProduct] = [`User:${run}-u`, `Product:${run}-p`];
    expect(keySlot(apartUser)).not.toBe(keySlot(apartProduct));
    await store.insert([User.create({ name: 'U', age: 1, email: 'u@example.com', balance: 50 }, { pk: `${run}-u` })]);
    await store.insert([Product.create({ name: 'P', price: 1, stock: 5 }, { pk: `${run}-p` })]);
    const fences = await Promise.all(
      [apartUser, apartProduct].map((key) => primaryFor(client, primaries, key).get(clusterKeyspace.fenceKey(key))),
    );

    const error = await gatewayError(() =>
      store.withLocks('purchase', [
        { key: apartUser, update: { inc: { balance: -1 } } },
        { key: apartProduct, update: { inc: { stock: -1 } } },
      ]),
    );
    expect(error.code).toBe('CROSS_SLOT');
    expect(error.message).toContain(`slot ${keySlot(apartUser)}: "${apartUser}"`);
    expect(error.message).toContain(`slot ${keySlot(apartProduct)}: "${apartProduct}"`);
    expect(await keysEverywhere(primaries, `rmg:lock:*${run}-*`)).toEqual([]);
    expect(
      await Promise.all([apartUser, apartProduct].map((key) => primaryFor(client, primaries, key).get(clusterKeyspace.fenceKey(key)))),
    ).toEqual(fences);
    const [user, product] = await store.find([apartUser, apartProduct]);
    expect(user?.value).toMatchObject({ balance: 50 });
    expect(product?.value).toMatchObject({ stock: 5 });
  });
});
