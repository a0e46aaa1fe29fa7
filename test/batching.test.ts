import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Order, Product, User } from '../examples/shop.js';
import { NodeAndNodesDocument, NodesDocument, NodesWithTtlDocument } from './generated/graphql.js';
import { countCommands, isScriptCall } from './helpers/command-counter.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
const userKeys = Array.from({ length: 500 }, (_, i) => `User:u${i}`);

beforeAll(async () => {
  t = await openTestGateway();
  await t.gateway.store.insert([
    ...userKeys.map((_, i) => User.create({ name: `U${i}`, age: i, email: `u${i}@example.com` }, { pk: `u${i}` })),
    Product.create({ name: 'Book', price: 1 }, { pk: 'book' }),
    Order.create({ userId: 'User:u0', productId: 'Product:book', quantity: 1, placedAt: new Date() }, { pk: 'o1' }),
  ]);
});
afterAll(() => t.close());

const counted = <T>(action: () => Promise<T>) => t.redis.countCommands(action);

describe('one Redis command per request', () => {
  it('reads node and nodes fields of one document with a single MGET', async () => {
    const { result, commands } = await counted(() => t.execute(NodeAndNodesDocument, { k1: 'User:u1', k2: 'User:u2', k3: 'Product:book' }));
    expect(result.data).toEqual({ a: { key: 'User:u1' }, b: [{ key: 'User:u2' }, { key: 'Product:book' }] });
    expect(commands.map((command) => command.name)).toEqual(['mget']);
    expect(commands[0]?.args).toEqual(['User:u1', 'User:u2', 'Product:book']);
  });

  it('reads 500 keys with one command', async () => {
    const { result, commands } = await counted(() => t.execute(NodesDocument, { keys: userKeys }));
    expect(result.data?.nodes).toHaveLength(500);
    expect(commands).toHaveLength(1);
    expect(commands[0]?.args).toHaveLength(500);
  });

  it('reads aliases and fragments of several fields in one command, even with a missing key among them', async () => {
    const query = `query { x: node(key: "User:u3") { key } y: nodes(keys: ["User:u4", "User:nobody"]) { key } ...More }
      fragment More on Query { z: node(key: "Product:book") { key } }`;
    const { result, commands } = await counted(() => t.execute(query));
    expect(result.data).toEqual({ x: { key: 'User:u3' }, y: [{ key: 'User:u4' }, null], z: { key: 'Product:book' } });
    expect(commands).toHaveLength(1);
  });

  it('reads a key asked for twice in one request once', async () => {
    const { commands } = await counted(() => t.execute(NodesDocument, { keys: ['User:u1', 'User:u1', 'User:u1'] }));
    expect(commands).toHaveLength(1);
    expect(commands[0]?.args).toEqual(['User:u1']);
  });

  it('reads a key once when one field selects its ttl and another does not', async () => {
    const query = `{ a: node(key: "User:u1") { key ttl } b: node(key: "User:u1") { key } }`;
    const { result, commands } = await counted(() => t.execute(query));
    expect(result.data).toEqual({ a: { key: 'User:u1', ttl: null }, b: { key: 'User:u1' } });
    expect(commands).toHaveLength(1);
    expect(commands[0]?.args.filter((arg) => arg === 'User:u1')).toHaveLength(1);
  });

  it('uses one script call instead of MGET when a model in the batch refreshes its TTL', async () => {
    const { commands } = await counted(() => t.execute(NodesDocument, { keys: ['User:u1', 'Order:o1'] }));
    expect(commands).toHaveLength(1);
    expect(commands.every(isScriptCall)).toBe(true);
  });

  it('uses one script call when ttl is selected', async () => {
    const { result, commands } = await counted(() => t.execute(NodesWithTtlDocument, { keys: ['User:u1', 'User:u2'] }));
    expect(result.data?.nodes).toEqual([
      { key: 'User:u1', ttl: null },
      { key: 'User:u2', ttl: null },
    ]);
    expect(commands).toHaveLength(1);
    expect(commands.every(isScriptCall)).toBe(true);
  });

  it('sends no command at all when every key is malformed or unknown', async () => {
    const { commands } = await counted(() => t.execute(NodesDocument, { keys: ['bad', 'Nope:1'] }));
    expect(commands).toEqual([]);
  });

  it('writes an insertMany of several models with one command', async () => {
    const { commands } = await counted(() =>
      t.execute(
        `mutation { insertMany(models: [{ user: { pk: "w1", name: "W", age: 1, email: "w@example.com" } }, { product: { pk: "w2", name: "P", price: 2 } }]) { key } }`,
      ),
    );
    expect(commands).toHaveLength(1);
    expect(commands.every(isScriptCall)).toBe(true);
  });
});
