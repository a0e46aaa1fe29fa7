import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../examples/shop.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;

interface Page {
  totalCount: number;
  edges: Array<{ cursor: string; node: { pk: string } | null }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
const page = (after: string | null, first = 10) =>
  t.execute<{ allUsers: Page }, unknown>(
    `query($after: String, $first: Int) {
      allUsers(orderBy: { field: age }, first: $first, after: $after) { totalCount edges { cursor node { pk } } pageInfo { hasNextPage endCursor } }
    }`,
    { after, first },
  );

beforeAll(async () => {
  t = await openTestGateway();
  // These pks share no slot on a cluster: a step per slot there, one write on one Redis.
  await t.gateway.store.insert(
    ['a', 'b', 'c', 'd'].map((pk, i) => User.create({ name: pk, age: i, email: `${pk}@example.com` }, { pk })),
    { atomicity: 'PER_SLOT' },
  );
  // Written behind the gateway's back (or by an older model): its index entries still list it.
  await t.redis.client.set('User:b', '{"name": "b", "age": "one"}');
});
afterAll(() => t.close());

describe('a finder page with a corrupt document', () => {
  it('answers the other documents and puts CORRUPT_VALUE, naming the key, at that edge', async () => {
    const { data, errors } = await page(null);
    expect(data?.allUsers.edges.map((edge) => edge.node?.pk ?? null)).toEqual(['a', null, 'c', 'd']);
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers.edges.1.node', code: 'CORRUPT_VALUE' }]);
    expect(errors?.[0]?.extensions?.key).toBe('User:b');
    expect(errors?.[0]?.message).toContain('"User:b"');
  });

  it('keeps totalCount and the corrupt edge its cursor, so paging goes on past it', async () => {
    const first = await page(null, 2);
    expect(first.data?.allUsers.totalCount).toBe(4);
    expect(first.data?.allUsers.edges.map((edge) => edge.node?.pk ?? null)).toEqual(['a', null]);
    expect(first.data?.allUsers.pageInfo).toEqual({ hasNextPage: true, endCursor: first.data?.allUsers.edges[1]?.cursor });
    const rest = await page(first.data?.allUsers.pageInfo.endCursor ?? null, 2);
    expect(rest.errors).toBeUndefined();
    expect(rest.data?.allUsers.edges.map((edge) => edge.node?.pk)).toEqual(['c', 'd']);
    // The cursor is the one a sound document at that position would have had.
    const whole = await page(null);
    expect(whole.data?.allUsers.edges.map((edge) => edge.cursor).slice(0, 2)).toEqual(
      first.data?.allUsers.edges.map((edge) => edge.cursor),
    );
  });

  it('answers the same way when the page is asked for by keys, a missing key still failing the whole', async () => {
    const query = `query($keys: [ID!]) { allUsers(keys: $keys) { totalCount edges { cursor node { pk } } } }`;
    const { data, errors } = await t.execute<{ allUsers: Page }, unknown>(query, { keys: ['c', 'User:b', 'a'] });
    expect(data?.allUsers.edges.map((edge) => edge.node?.pk ?? null)).toEqual(['c', null, 'a']);
    expect(data?.allUsers.totalCount).toBe(3);
    expect(errorCodes(errors)).toEqual([{ path: 'allUsers.edges.1.node', code: 'CORRUPT_VALUE' }]);
    expect(errors?.[0]?.extensions?.key).toBe('User:b');
    const missing = await t.execute<{ allUsers: Page }, unknown>(query, { keys: ['b', 'nobody'] });
    expect(errorCodes(missing.errors)).toEqual([{ path: 'allUsers', code: 'KEY_NOT_FOUND' }]);
  });

  it('gives TypeScript callers the edge with node null and the error', async () => {
    const found = await t.gateway.store.session().findModels(User, { orderBy: { field: 'age' } });
    expect(found.edges.map((edge) => edge.node?.pk ?? edge.error?.code)).toEqual(['a', 'CORRUPT_VALUE', 'c', 'd']);
    expect(found.edges[1]?.error?.details).toEqual({ key: 'User:b' });
  });
});
