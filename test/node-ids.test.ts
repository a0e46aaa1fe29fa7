import { isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildSchema, createRegistry, defineModel } from '../src/index.js';
import { models as shopModels } from '../examples/shop.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway();
  // Documents of different slots on a cluster: written one slot at a time.
  const seeded = await t.execute(`mutation {
    insertMany(atomicity: PER_SLOT, models: [
      { user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }
      { product: { pk: "book", name: "Book", price: 12.5, stock: 3 } }
    ]) { key }
  }`);
  expect(seeded.errors).toBeUndefined();
});
afterAll(() => t.close());

/** Every object type and interface with a field named `id`, and every type that implements Node. */
function idCarriers(schema: GraphQLSchema) {
  const withId: string[] = [];
  const nodes: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    if ('id' in type.getFields()) withId.push(type.name);
    if (type.name === 'Node' || type.getInterfaces().some((each) => each.name === 'Node')) nodes.push(type.name);
  }
  return { withId: withId.sort(), nodes: nodes.sort() };
}

describe('id and the Node interface', () => {
  it('gives every model type an id and Node, and no other type an id: not LockResult, LockLease, edges or nested objects', () => {
    const Shipment = defineModel(
      'Shipment',
      z.object({ orderKey: z.string(), address: z.object({ city: z.string(), lines: z.array(z.object({ text: z.string() })) }) }),
    );
    for (const schema of [t.gateway.schema, buildSchema(createRegistry([...shopModels, Shipment]), { relay: true })]) {
      const { withId, nodes } = idCarriers(schema);
      expect(withId).toEqual(nodes);
      const models = schema === t.gateway.schema ? ['Order', 'Product', 'User'] : ['Order', 'Product', 'Shipment', 'User'];
      expect(nodes).toEqual(['Model', 'Node', ...models].sort());
    }
  });

  it('answers the key as id, through Node, Model and the concrete type alike', async () => {
    const { data, errors } = await t.execute(`{
      nodes(keys: ["User:alice", "Product:book"]) {
        key
        id
        ... on Node { nodeId: id }
        ... on User { userId: id name }
      }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      nodes: [
        { key: 'User:alice', id: 'User:alice', nodeId: 'User:alice', userId: 'User:alice', name: 'Alice' },
        { key: 'Product:book', id: 'Product:book', nodeId: 'Product:book' },
      ],
    });
  });

  it('answers id wherever a model is returned: finders, locks, inserts', async () => {
    const { data, errors } = await t.execute(`mutation {
      withLock(key: "User:alice", update: { user: { inc: { balance: 1 } } }) { key model { id } }
      insertMany(models: [{ product: { pk: "pen", name: "Pen", price: 1 } }]) { id }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({ withLock: { key: 'User:alice', model: { id: 'User:alice' } }, insertMany: [{ id: 'Product:pen' }] });
    const found = await t.execute('{ allUsers(first: 5) { edges { node { id } } } }');
    expect(found.data).toEqual({ allUsers: { edges: [{ node: { id: 'User:alice' } }] } });
  });

  it('keeps node(key:) and nodes(keys:) with KEY_NOT_FOUND by default; Relay id arguments are not there', async () => {
    const missing = await t.execute('{ node(key: "User:ghost") { id } }');
    expect(missing.errors?.map((error) => error.extensions?.code)).toEqual(['KEY_NOT_FOUND']);
    const relay = await t.execute('{ node(id: "User:alice") { id } }');
    expect(new Set(relay.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(relay.errors?.[0]?.message).toBe('Unknown argument "id" on field "Query.node".');
  });
});
