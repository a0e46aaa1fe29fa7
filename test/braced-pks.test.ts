import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSiblingGateway, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
let relay: TestGateway;
beforeAll(async () => {
  t = await openTestGateway();
  relay = openSiblingGateway(t, { relay: true });
});
afterAll(async () => {
  await relay.close();
  await t.close();
});

/** Pks with hash tags, empty and unbalanced braces, colons and multibyte characters. */
const bracedPks = fc.sample(
  fc
    .array(fc.constantFrom('{', '}', '{}', '}{', ':', 'a', 'é', '日本', '😀', '{t}', '{u42}', 'x'), { minLength: 1, maxLength: 10 })
    .map((parts) => parts.join('')),
  { numRuns: 40, seed: 7 },
);
const pks = [...new Set(bracedPks)].map((pk, i) => `${i}${pk}`);

// Their hash tags put them in many slots of a cluster: written one slot at a time.
const INSERT = `mutation Insert($models: [ModelInput!]!) { insertMany(models: $models, atomicity: PER_SLOT) { id key pk } }`;

describe('pks with braces through GraphQL', () => {
  it('stores them as given and answers them back as key, pk and id, by node(key), nodes(keys) and relay ids', async () => {
    const keys = pks.map((pk) => `Product:${pk}`);
    const inserted = await t.execute<{ insertMany: Array<{ id: string; key: string; pk: string }> }, unknown>(INSERT, {
      models: pks.map((pk, i) => ({ product: { pk, name: `P${i}`, price: i } })),
    });
    expect(inserted.errors).toBeUndefined();
    expect(inserted.data?.insertMany).toEqual(pks.map((pk) => ({ id: `Product:${pk}`, key: `Product:${pk}`, pk })));
    expect(await t.redis.exists(...keys)).toBe(keys.length);

    const read = await t.execute<{ nodes: Array<{ id: string; key: string; pk: string } | null> }, unknown>(
      `query Read($keys: [ID!]!) { nodes(keys: $keys) { id key pk } }`,
      { keys },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.nodes).toEqual(pks.map((pk) => ({ id: `Product:${pk}`, key: `Product:${pk}`, pk })));

    // The same documents through a relay gateway: ids are the keys, braces kept.
    const byId = await relay.execute<{ nodes: Array<{ id: string } | null> }, unknown>(
      `query Read($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: keys },
    );
    expect(byId.data?.nodes).toEqual(keys.map((id) => ({ id })));
  });
});
