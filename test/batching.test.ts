import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Order, Product, User } from '../examples/shop.js';
import { NodeAndNodesDocument, NodesDocument, NodesWithTtlDocument } from './generated/graphql.js';
import { isScriptCall } from './helpers/command-counter.js';
import { byMode } from './helpers/modes.js';
import { byNode, plainReads as plainReadsOf, readOf, scriptReads as scriptReadsOf } from './helpers/read-commands.js';
import { countRoundTrips } from './helpers/round-trips.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
const userKeys = Array.from({ length: 500 }, (_, i) => `User:u${i}`);

beforeAll(async () => {
  t = await openTestGateway();
  // Keys of many slots on a cluster, as a request's keys are: written one slot at a time.
  await t.gateway.store.insert(
    [
      ...userKeys.map((_, i) => User.create({ name: `U${i}`, age: i, email: `u${i}@example.com` }, { pk: `u${i}` })),
      Product.create({ name: 'Book', price: 1 }, { pk: 'book' }),
      Order.create({ userId: 'User:u0', productId: 'Product:book', quantity: 1, placedAt: new Date() }, { pk: 'o1' }),
    ],
    { atomicity: 'PER_SLOT' },
  );
  // Every node has the read scripts then: a counted read sends no script a second time after NOSCRIPT.
  await t.execute(NodesDocument, { keys: userKeys });
  await t.execute(NodesWithTtlDocument, { keys: [...userKeys, 'Product:book', 'Order:o1'] });
});
afterAll(() => t.close());

/** The commands Redis received while `action` ran, and how many round trips the gateway waited for. */
async function counted<T>(action: () => Promise<T>) {
  const { result: counting, commands } = await t.redis.countCommands(() => countRoundTrips(t.redis.client, action));
  return { ...counting, commands };
}

const plainReads = (keys: readonly string[]) => plainReadsOf(t.redis.client, keys);
const scriptReads = (keys: readonly string[]) => scriptReadsOf(t.redis.client, keys);

describe('one Redis round trip per request', () => {
  it('reads node and nodes fields of one document with a single read', async () => {
    const { result, commands, roundTrips } = await counted(() =>
      t.execute(NodeAndNodesDocument, { k1: 'User:u1', k2: 'User:u2', k3: 'Product:book' }),
    );
    expect(result.data).toEqual({ a: { key: 'User:u1' }, b: [{ key: 'User:u2' }, { key: 'Product:book' }] });
    expect(byNode(commands.map(readOf))).toEqual(byNode(plainReads(['User:u1', 'User:u2', 'Product:book'])));
    expect(roundTrips).toBe(1);
  });

  it('reads 500 keys with one command per Redis node that holds them, all sent together', async () => {
    const { result, commands, roundTrips } = await counted(() => t.execute(NodesDocument, { keys: userKeys }));
    expect(result.data?.nodes).toHaveLength(500);
    expect(byNode(commands.map(readOf))).toEqual(byNode(plainReads(userKeys)));
    // On a cluster, 500 keys reach every primary.
    expect(commands).toHaveLength(byMode({ standalone: 1, cluster: 3 }));
    expect(roundTrips).toBe(1);
  });

  it('reads aliases and fragments of several fields in one read, even with a missing key among them', async () => {
    const query = `query { x: node(key: "User:u3") { key } y: nodes(keys: ["User:u4", "User:nobody"]) { key } ...More }
      fragment More on Query { z: node(key: "Product:book") { key } }`;
    const { result, commands, roundTrips } = await counted(() => t.execute(query));
    expect(result.data).toEqual({ x: { key: 'User:u3' }, y: [{ key: 'User:u4' }, null], z: { key: 'Product:book' } });
    expect(byNode(commands.map(readOf))).toEqual(byNode(plainReads(['User:u3', 'User:u4', 'User:nobody', 'Product:book'])));
    expect(roundTrips).toBe(1);
  });

  it('reads a key asked for twice in one request once', async () => {
    const { commands, roundTrips } = await counted(() => t.execute(NodesDocument, { keys: ['User:u1', 'User:u1', 'User:u1'] }));
    expect(commands.map(readOf)).toEqual(plainReads(['User:u1']));
    expect(roundTrips).toBe(1);
  });

  it('reads a key once when one field selects its ttl and another does not', async () => {
    const query = `{ a: node(key: "User:u1") { key ttl } b: node(key: "User:u1") { key } }`;
    const { result, commands, roundTrips } = await counted(() => t.execute(query));
    expect(result.data).toEqual({ a: { key: 'User:u1', ttl: null }, b: { key: 'User:u1' } });
    expect(commands.map(readOf)).toEqual(scriptReads(['User:u1']));
    expect(roundTrips).toBe(1);
  });

  it('uses a script call instead of MGET when a model in the batch refreshes its TTL', async () => {
    const keys = ['User:u1', 'Order:o1'];
    const { commands, roundTrips } = await counted(() => t.execute(NodesDocument, { keys }));
    expect(byNode(commands.map(readOf))).toEqual(byNode(scriptReads(keys)));
    expect(roundTrips).toBe(1);
  });

  it('uses a script call when ttl is selected', async () => {
    const keys = ['User:u1', 'User:u2'];
    const { result, commands, roundTrips } = await counted(() => t.execute(NodesWithTtlDocument, { keys }));
    expect(result.data?.nodes).toEqual([
      { key: 'User:u1', ttl: null },
      { key: 'User:u2', ttl: null },
    ]);
    expect(byNode(commands.map(readOf))).toEqual(byNode(scriptReads(keys)));
    expect(roundTrips).toBe(1);
  });

  it('sends no command at all when every key is malformed or unknown', async () => {
    const { commands, roundTrips } = await counted(() => t.execute(NodesDocument, { keys: ['bad', 'Nope:1'] }));
    expect(commands).toEqual([]);
    expect(roundTrips).toBe(0);
  });

  it('writes an insertMany of several models with one command', async () => {
    // Their pks share a hash tag: on a cluster a write is one script over one slot.
    const { commands, roundTrips } = await counted(() =>
      t.execute(
        `mutation { insertMany(models: [{ user: { pk: "{w}1", name: "W", age: 1, email: "w@example.com" } }, { product: { pk: "{w}2", name: "P", price: 2 } }]) { key } }`,
      ),
    );
    expect(commands).toHaveLength(1);
    expect(commands.every(isScriptCall)).toBe(true);
    expect(roundTrips).toBe(1);
  });
});
