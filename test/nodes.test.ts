import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsDocument, NodeDocument, NodesDocument } from './generated/graphql.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;

beforeAll(async () => {
  t = await openTestGateway();
  // Documents of different slots on a cluster: written one slot at a time.
  const seeded = await t.execute('mutation ($models: [ModelInput!]!) { insertMany(models: $models, atomicity: PER_SLOT) { key } }', {
    models: [
      { user: { pk: 'alice', name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 } },
      { user: { pk: 'bob', name: 'Bob', age: 41, email: 'bob@example.com' } },
      { product: { pk: 'book', name: 'Book', price: 12.5, stock: 3, tags: ['paper'] } },
    ],
  });
  expect(seeded.errors).toBeUndefined();
});
afterAll(() => t.close());

describe('node(key)', () => {
  it('returns the model with its concrete type taken from the key', async () => {
    const { data, errors } = await t.execute(NodeDocument, { key: 'Product:book' });
    expect(errors).toBeUndefined();
    expect(data?.node).toEqual({ key: 'Product:book', pk: 'book', name: 'Book', price: 12.5, inStock: true, stock: 3, tags: ['paper'] });
  });

  it('answers null with KEY_NOT_FOUND at its path for a missing key', async () => {
    const { data, errors } = await t.execute(NodeDocument, { key: 'User:nobody' });
    expect(data?.node).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'node', code: 'KEY_NOT_FOUND' }]);
    expect(errors?.[0]?.message).toContain('User:nobody');
  });

  it.each([
    ['Nope:1', 'MODEL_NOT_FOUND'],
    ['no-colon', 'INVALID_KEY'],
    ['User:', 'INVALID_KEY'],
    [':pk', 'INVALID_KEY'],
    [`User:${'x'.repeat(1020)}`, 'INVALID_KEY'],
  ])('answers %s with %s', async (key, code) => {
    const { data, errors } = await t.execute(NodeDocument, { key });
    expect(data?.node).toBeNull();
    expect(errorCodes(errors)).toEqual([{ path: 'node', code }]);
  });

  it('accepts a key of exactly 1024 bytes, counted in UTF-8', async () => {
    const pk = 'é'.repeat((1024 - 'User:'.length - 1) / 2) + 'x';
    expect(Buffer.byteLength(`User:${pk}`)).toBe(1024);
    const { errors } = await t.execute(NodeDocument, { key: `User:${pk}` });
    expect(errorCodes(errors)).toEqual([{ path: 'node', code: 'KEY_NOT_FOUND' }]);
  });
});

describe('nodes(keys)', () => {
  it('returns models of any types in key order, duplicates included', async () => {
    const { data, errors } = await t.execute(NodesDocument, { keys: ['User:bob', 'Product:book', 'User:alice', 'User:bob'] });
    expect(errors).toBeUndefined();
    expect(data?.nodes.map((node) => node?.key)).toEqual(['User:bob', 'Product:book', 'User:alice', 'User:bob']);
    expect(data?.nodes[2]).toMatchObject({ name: 'Alice', balance: 100 });
  });

  it('gives a failing key null in its slot and an error at ["nodes", i], and still returns the others', async () => {
    const { data, errors } = await t.execute(NodesDocument, { keys: ['User:alice', 'User:ghost', 'Nope:1', 'bad', 'Product:book'] });
    expect(data?.nodes.map((node) => node?.key ?? null)).toEqual(['User:alice', null, null, null, 'Product:book']);
    expect(errorCodes(errors)).toEqual([
      { path: 'nodes.1', code: 'KEY_NOT_FOUND' },
      { path: 'nodes.2', code: 'MODEL_NOT_FOUND' },
      { path: 'nodes.3', code: 'INVALID_KEY' },
    ]);
    expect(errors?.map((error) => error.extensions?.key)).toEqual(['User:ghost', 'Nope:1', 'bad']);
  });

  it('drops missing keys with skipMissing, but keeps null slots with errors for unknown and malformed keys', async () => {
    const { data, errors } = await t.execute(NodesDocument, {
      keys: ['User:ghost', 'User:alice', 'Nope:1', 'User:ghost2', 'bad'],
      skipMissing: true,
    });
    expect(data?.nodes.map((node) => node?.key ?? null)).toEqual(['User:alice', null, null]);
    expect(errors?.map((error) => [error.extensions?.code, error.extensions?.index])).toEqual([
      ['MODEL_NOT_FOUND', 2],
      ['INVALID_KEY', 4],
    ]);
  });

  it('returns an empty list for no keys', async () => {
    const { data, errors } = await t.execute(NodesDocument, { keys: [] });
    expect(errors).toBeUndefined();
    expect(data?.nodes).toEqual([]);
  });
});

describe('models', () => {
  it('lists every registered model with its key prefix, fields, GraphQL types and TTL settings', async () => {
    const { data } = await t.execute(ModelsDocument, {});
    expect(data?.models.map((model) => model.name)).toEqual(['User', 'Product', 'Order']);
    const order = data?.models.find((model) => model.name === 'Order');
    expect(order).toMatchObject({ keyPrefix: 'Order:', ttl: 2592000, refreshTtl: true });
    expect(order?.fields).toContainEqual({ name: 'status', type: 'OrderStatus!', isKey: false });
    expect(order?.fields).toContainEqual({ name: 'placedAt', type: 'DateTime!', isKey: false });
    const product = data?.models.find((model) => model.name === 'Product');
    expect(product?.fields).toContainEqual({ name: 'tags', type: '[String!]!', isKey: false });
  });
});
