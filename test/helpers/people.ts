import { User } from '../../examples/shop.js';
import type { TestGateway } from './test-gateway.js';

/** Five users with distinct names, two sharing an age, for finder and delete specs. */
export const PEOPLE = [
  ['alice', 'Alice', 30],
  ['bob', 'Bob', 40],
  ['carol', 'Carol', 25],
  ['dave', 'Dave', 40],
  ['erin', 'Erin', 35],
] as const;

/** Their pks share no slot on a cluster: written there a step per slot, on one Redis in one write. */
export const seedPeople = (t: TestGateway) =>
  t.gateway.store.insert(
    PEOPLE.map(([pk, name, age]) => User.create({ name, age, email: `${pk}@example.com` }, { pk })),
    { atomicity: 'PER_SLOT' },
  );
