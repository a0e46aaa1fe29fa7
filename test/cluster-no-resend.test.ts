import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { User, models } from '../examples/shop.js';
import { createStore, defineModel, redisClusterOptions } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { loadScript } from '../src/store/lua/load-script.js';
import { DELETE_WHERE_ON_NODE } from '../src/store/scripts/delete-where-on-node.js';
import { callRedis } from '../src/store/redis-faults.js';
import { gatewayError } from './helpers/gateway-error.js';
import { droppingProxy, type DroppingProxy } from './helpers/dropping-proxy.js';
import { heldClusterNodes, openTestCluster, type TestCluster } from './helpers/test-cluster.js';

/*
 * A primary's connection dies after Redis ran a write script and before its reply reached the client:
 * what a failover does to the commands in flight. A proxy in front of that primary forwards everything,
 * except that the first reply after the client sent the script's key is dropped, and the connection with it.
 */

const run = randomBytes(4).toString('hex');
let cluster: TestCluster;
const proxies: DroppingProxy[] = [];

beforeAll(async () => {
  cluster = await openTestCluster();
  await cluster.client.ping();
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await cluster.close();
});

/** A dropping proxy in front of the primary that serves `key`, and the natMap that sends a client to it. */
async function proxyFor(key: string, drops = 1): Promise<{ proxy: DroppingProxy; natMap: Record<string, { host: string; port: number }> }> {
  const primary = cluster.client.slots[keySlot(key)]?.[0] as string;
  const [host, port] = primary.split(':') as [string, string];
  const proxy = await droppingProxy({ host, port: Number(port) }, key, drops);
  proxies.push(proxy);
  return { proxy, natMap: { [primary]: { host: proxy.host, port: proxy.port } } };
}

/** Runs an INCR script on a key whose primary sits behind the proxy; returns what the client got and how often it ran. */
async function incrementThroughFailover(options: ClusterOptions): Promise<{ outcome: unknown; runs: number }> {
  const key = `rmg-test:no-resend:${run}:${randomBytes(4).toString('hex')}`;
  const { natMap } = await proxyFor(key);
  const client = new Cluster(heldClusterNodes(), { ...options, natMap });
  client.defineCommand('incrOnce', { numberOfKeys: 1, lua: "return redis.call('INCR', KEYS[1])" });
  try {
    await new Promise((resolve) => client.once('ready', resolve));
    const increment = (client as unknown as { incrOnce(key: string): Promise<number> }).incrOnce.bind(client);
    const outcome = await callRedis(client, 'write', () => increment(key)).catch((error: unknown) => error);
    return { outcome, runs: Number(await cluster.client.get(key)) };
  } finally {
    client.disconnect();
  }
}

describe('a write script whose reply is lost when a primary goes away', () => {
  it('runs once with redisClusterOptions, and the caller learns that its outcome is unknown', async () => {
    const { outcome, runs } = await incrementThroughFailover(redisClusterOptions());
    expect(runs).toBe(1);
    expect(outcome).toMatchObject({ code: 'WRITE_OUTCOME_UNKNOWN' });
  });

  it("runs twice with ioredis's defaults, which re-send it to the slot's node", async () => {
    const { outcome, runs } = await incrementThroughFailover({});
    expect(runs).toBe(2);
    expect(outcome).toBe(2);
  });
});

describe("the gateway's write script re-sent by ioredis's defaults after its reply was lost", () => {
  it('is answered from the write’s record: the insert is written once and reported written, not KEY_EXISTS', async () => {
    const pk = `{nr${run}}ada`;
    const key = `User:${pk}`;
    const { natMap } = await proxyFor(key);
    // A Cluster of the user's own, with ioredis's defaults: it re-sends a command whose connection died.
    const client = new Cluster(heldClusterNodes(), { natMap });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const store = createStore({ redis: client, models });
      // Loads the write script on that primary (the proxy lets this through): the insert below runs at its first EVALSHA.
      await store.insert([User.create({ name: 'Warm', age: 1, email: 'w@example.com' }, { pk: `{nr${run}}warm` })]);
      const written = await store.insert([User.create({ name: 'Ada', age: 36, email: 'ada@example.com' }, { pk })], { onConflict: 'FAIL' });
      expect(written.map((instance) => instance.key)).toEqual([key]);
      expect(JSON.parse((await cluster.client.get(key)) ?? 'null')).toMatchObject({ name: 'Ada' });
    } finally {
      client.disconnect();
    }
  });
});

describe("the store's write whose reply is lost, on a client made with redisClusterOptions", () => {
  /** A store on a Cluster client of its own whose way to `key`'s primary passes through a dropping proxy. */
  async function storeThroughProxy(key: string, drops: number) {
    const { proxy, natMap } = await proxyFor(key, drops);
    const client = new Cluster(heldClusterNodes(), { ...redisClusterOptions(), natMap });
    await new Promise((resolve) => client.once('ready', resolve));
    return { proxy, client, store: createStore({ redis: client, models }) };
  }

  it('is re-sent under its write id and reported written, applied once: onConflict FAIL is not refused by its own first run', async () => {
    const pk = `{rs${run}}ada`;
    const key = `User:${pk}`;
    const { proxy, client, store } = await storeThroughProxy(key, 1);
    try {
      await store.insert([User.create({ name: 'Warm', age: 1, email: 'w@example.com' }, { pk: `{rs${run}}warm` })]);
      const written = await store.insert([User.create({ name: 'Ada', age: 36, email: 'ada@example.com' }, { pk })], { onConflict: 'FAIL' });
      expect(written.map((instance) => instance.key)).toEqual([key]);
      // Two sends of the script: the first ran and lost its reply, the second was answered from the record.
      expect(proxy.sends).toBe(2);
      expect(JSON.parse((await cluster.client.get(key)) ?? 'null')).toMatchObject({ name: 'Ada' });
    } finally {
      client.disconnect();
    }
  });

  it('answers WRITE_OUTCOME_UNKNOWN with the write id after three lost replies, and a retry with that id gets the recorded outcome', async () => {
    const pk = `{ru${run}}bo`;
    const key = `User:${pk}`;
    const { proxy, client, store } = await storeThroughProxy(key, Infinity);
    try {
      // The warm-up's key holds no marker: its reply comes through, and the script is loaded on that primary.
      await store.insert([User.create({ name: 'Warm', age: 1, email: 'w@example.com' }, { pk: `{ru${run}}warm` })]);
      const drafts = [User.create({ name: 'Bo', age: 40, email: 'bo@example.com' }, { pk })];
      const lost = await gatewayError(() => store.insert(drafts, { onConflict: 'FAIL', writeId: `w-${run}` }));
      expect(lost.code).toBe('WRITE_OUTCOME_UNKNOWN');
      expect(lost.details).toEqual({ writeId: `w-${run}`, attempts: 3 });
      expect(proxy.sends).toBe(3);
      expect(await cluster.client.exists(key)).toBe(1);

      const retried = await createStore({ redis: cluster.client, models }).insert(drafts, { onConflict: 'FAIL', writeId: `w-${run}` });
      expect(retried.map((instance) => instance.key)).toEqual([key]);
      const again = await gatewayError(() => createStore({ redis: cluster.client, models }).insert(drafts, { onConflict: 'FAIL' }));
      expect(again.code).toBe('KEY_EXISTS');
    } finally {
      client.disconnect();
    }
  });
});

describe('a step of a delete by where whose reply is lost', () => {
  it('is counted once: sent again slot by slot with its write id, it answers its record and deletes nothing more', async () => {
    const Parcel = defineModel('Parcel', z.object({ weight: z.int32() }), { index: ['weight'] });
    // Three parcels in one slot; steps of one parcel each, so that a step run twice would delete two.
    const pks = [1, 2, 3].map((i) => `{dw${run}}${i}`);
    const seeding = createStore({ redis: cluster.client, models: [Parcel] });
    for (const pk of pks) await seeding.insert([Parcel.create({ weight: 1 }, { pk })]);
    const primary = cluster.client.slots[keySlot(`Parcel:${pks[0]}`)]?.[0] as string;
    const [host, port] = primary.split(':') as [string, string];
    // Loaded before, so that the dropped reply is the step's own, not a NOSCRIPT.
    const direct = new Redis({ host, port: Number(port) });
    await direct.script('LOAD', loadScript(DELETE_WHERE_ON_NODE));
    await direct.quit();
    // Only the per-node step carries a record key pattern with a brace; the first one through the proxy loses its reply.
    const proxied = await droppingProxy({ host, port: Number(port) }, 'rmg:wrote:{');
    proxies.push(proxied);
    const natMap = { [primary]: { host: proxied.host, port: proxied.port } };
    const client = new Cluster(heldClusterNodes(), { ...redisClusterOptions(), natMap });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const store = createStore({ redis: client, models: [Parcel], limits: { deleteStep: 1 } });
      expect(await store.session().deleteAll(Parcel)).toEqual({ count: 3, byModel: { Parcel: 3 } });
      expect(await cluster.client.exists(...pks.map((pk) => `Parcel:${pk}`))).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
