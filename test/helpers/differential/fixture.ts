import { Order, Product, User } from '../../../examples/shop.js';
import type { Store } from '../../../src/index.js';
import type { TestRedis } from '../redis.js';

/*
 * The data every differential run reads: sound documents of the three demo models, references that
 * resolve, dangle or reach a corrupt referent, and documents written behind the gateway's back. It is
 * written once per file; the operations only read, so every executor sees the same data.
 *
 * TTL: Order has a ttl and refreshes it on every read, in the same script that reads the remaining
 * seconds (a Lua script sees one clock), so `ttl` always reads the model's full ttl, whichever executor
 * asks and however long after seeding. No tolerance is needed; a difference there is a real one.
 * User:forever's TTL does shrink by the second, but it only reaches a response as a masked error (it
 * does not fit in Int), whose message says nothing of its value.
 */

const placedAt = new Date('2026-01-01T00:00:00Z');

/** Keys the operations pick from, grouped by what the gateway must answer for them. */
export const KEYS = {
  /** User:forever expires in more seconds than GraphQL's Int holds: its `ttl` fails unexpectedly. */
  users: ['User:u1', 'User:u2', 'User:a:b', 'User:forever'],
  products: ['Product:p1', 'Product:p2'],
  /** o1, o2 resolve both references; orphan's user is missing; to-broken's user does not decode. */
  orders: ['Order:o1', 'Order:o2', 'Order:orphan', 'Order:to-broken'],
  missing: ['User:nobody', 'Order:gone'],
  /** Not JSON; JSON failing zod; indexed and then overwritten (so finders meet it). */
  corrupt: ['User:bad-json', 'Product:bad-schema', 'User:broken'],
  unknownModel: ['Nope:1', 'user:u1'],
  malformed: ['nokey', ':x', 'User:', ''],
} as const;

export const ALL_KEYS: readonly string[] = Object.values(KEYS).flat();

export async function seedFixture(store: Store, { client: redis, flush }: TestRedis): Promise<void> {
  await flush();
  // Documents of many slots on a cluster: written one slot at a time.
  await store.insert(
    [
      User.create({ name: 'Ada', age: 36, email: 'ada@example.com', balance: 10 }, { pk: 'u1' }),
      User.create({ name: 'Bob', age: 20, email: 'bob@example.com' }, { pk: 'u2' }),
      User.create({ name: 'Colon', age: 50, email: 'colon@example.com' }, { pk: 'a:b' }),
      User.create({ name: 'Broken', age: 41, email: 'broken@example.com' }, { pk: 'broken' }),
      User.create({ name: 'Forever', age: 99, email: 'forever@example.com' }, { pk: 'forever' }),
      Product.create({ name: 'Pen', price: 1.5, tags: ['office', 'blue'] }, { pk: 'p1' }),
      Product.create({ name: 'Ink', price: 0, inStock: false, stock: 3 }, { pk: 'p2' }),
      Order.create({ userId: 'User:u1', productId: 'Product:p1', quantity: 2, placedAt }, { pk: 'o1' }),
      Order.create({ userId: 'User:u2', productId: 'Product:p2', quantity: 1, status: 'PAID', placedAt }, { pk: 'o2' }),
      Order.create({ userId: 'User:ghost', productId: 'Product:p1', quantity: 3, placedAt }, { pk: 'orphan' }),
      Order.create({ userId: 'User:broken', productId: 'Product:bad-schema', quantity: 4, placedAt }, { pk: 'to-broken' }),
    ],
    { atomicity: 'PER_SLOT' },
  );
  // Written behind the gateway's back (or by an older model); User:broken keeps its index entries.
  await redis.set('User:bad-json', '{"name": "Eve", ');
  // A structural failure: reads check types, not the refinements (min length, nonnegative) writes enforce.
  await redis.set('Product:bad-schema', '{"name": "Nib", "price": "cheap"}');
  // User has no ttl, so no read refreshes this one: it stays far beyond 2^31 seconds.
  await redis.expire('User:forever', 4_000_000_000);
  await redis.set('User:broken', '{"name": "Broken", "age": "forty"}');
}
