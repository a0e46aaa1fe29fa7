import fc from 'fast-check';
import { ALL_KEYS, KEYS } from './fixture.js';
import {
  FRAGMENTS,
  type Condition,
  type Directive,
  type FragmentName,
  type KeyArg,
  type KeysArg,
  type Operation,
  type RootField,
  type Selection,
} from './operation.js';

/*
 * fast-check arbitraries for read operations over the demo schema (examples/shop.ts). Each selection is
 * generated for the type it stands on, so that every operation is valid: fields of that type, inline
 * fragments and named fragments whose type overlaps it.
 */

type TypeName = 'Model' | 'Node' | 'AnyModel' | 'User' | 'Product' | 'Order';
const ABSTRACT: readonly TypeName[] = ['Model', 'Node', 'AnyModel'];
const CONCRETE: readonly TypeName[] = ['User', 'Product', 'Order'];

const MODEL_FIELDS = ['id', 'key', 'pk', 'ttl', '__typename'];
const LEAVES: Record<TypeName, readonly string[]> = {
  Model: MODEL_FIELDS,
  Node: ['id', '__typename'],
  AnyModel: ['__typename'],
  User: [...MODEL_FIELDS, 'name', 'age', 'email', 'balance'],
  Product: [...MODEL_FIELDS, 'name', 'price', 'inStock', 'stock', 'tags'],
  Order: [...MODEL_FIELDS, 'userId', 'productId', 'quantity', 'status', 'placedAt'],
};
/** Fields with a selection of their own: Order's references. */
const OBJECTS: Partial<Record<TypeName, Record<string, TypeName>>> = { Order: { user: 'User', product: 'Product' } };

/** Types a fragment may name inside a selection on `type`: graphql-js's rule is that their possible types overlap. */
const overlapping = (type: TypeName): readonly TypeName[] => (ABSTRACT.includes(type) ? [...ABSTRACT, ...CONCRETE] : [type, ...ABSTRACT]);

const directiveArb: fc.Arbitrary<Directive | null> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 4 },
  {
    arbitrary: fc.record({ name: fc.constantFrom('skip', 'include'), if: fc.constantFrom<Condition>(true, false, 'b0', 'b1') }),
    weight: 1,
  },
);

const cache = new Map<string, fc.Arbitrary<Selection[]>>();

/** One to three selections on `type`, nesting fragments and references up to `depth` levels. */
export function selectionsArb(type: TypeName, depth: number): fc.Arbitrary<Selection[]> {
  const cached = cache.get(`${type}/${depth}`);
  if (cached) return cached;
  const leaf: fc.Arbitrary<Selection> = fc.record({
    kind: fc.constant('field' as const),
    name: fc.constantFrom(...LEAVES[type]),
    alias: fc.boolean(),
    directive: directiveArb,
    selections: fc.constant(null),
  });
  const choices: Array<fc.WeightedArbitrary<Selection>> = [{ arbitrary: leaf, weight: 6 }];
  const spreads = (Object.keys(FRAGMENTS) as FragmentName[]).filter((name) => overlapping(type).includes(FRAGMENTS[name].on));
  choices.push({
    arbitrary: fc.record({ kind: fc.constant('spread' as const), fragment: fc.constantFrom(...spreads), directive: directiveArb }),
    weight: 1,
  });
  if (depth > 0) {
    const targets: Array<TypeName | null> = [null, ...overlapping(type)];
    const inline = fc.constantFrom(...targets).chain((on) =>
      fc.record({
        kind: fc.constant('inline' as const),
        on: fc.constant(on),
        directive: directiveArb,
        selections: selectionsArb(on ?? type, depth - 1),
      }),
    );
    choices.push({ arbitrary: inline, weight: 2 });
    for (const [name, target] of Object.entries(OBJECTS[type] ?? {})) {
      const reference = fc.record({
        kind: fc.constant('field' as const),
        name: fc.constant(name),
        alias: fc.boolean(),
        directive: directiveArb,
        selections: selectionsArb(target, depth - 1),
      });
      choices.push({ arbitrary: reference, weight: 2 });
    }
  }
  const arbitrary = fc.array(fc.oneof(...choices), { minLength: 1, maxLength: 3 });
  cache.set(`${type}/${depth}`, arbitrary);
  return arbitrary;
}

/** Keys of every kind, the sound ones more often, so that most slots load. */
const keyValueArb = fc.oneof(
  { arbitrary: fc.constantFrom(...KEYS.users, ...KEYS.products, ...KEYS.orders), weight: 3 },
  { arbitrary: fc.constantFrom(...ALL_KEYS), weight: 2 },
);
const keyArb: fc.Arbitrary<KeyArg> = fc.record({ value: keyValueArb, asVariable: fc.boolean() });
const keysArb: fc.Arbitrary<KeysArg> = fc.oneof(
  fc.record({ asVariable: fc.constant(true as const), value: fc.array(keyValueArb, { maxLength: 5 }) }),
  fc.record({ asVariable: fc.constant(false as const), items: fc.array(keyArb, { maxLength: 4 }) }),
);

const DEPTH = 2;
const rootArb: fc.Arbitrary<RootField> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('node' as const),
      alias: fc.boolean(),
      key: keyArb,
      selections: selectionsArb('Model', DEPTH),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('nodes' as const),
      alias: fc.boolean(),
      keys: keysArb,
      skipMissing: fc.constantFrom(null, true, false),
      selections: selectionsArb('Model', DEPTH),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('allUsers' as const),
      alias: fc.boolean(),
      minAge: fc.constantFrom(null, 0, 30, 45),
      first: fc.constantFrom(1, 2, 10),
      selections: selectionsArb('User', DEPTH),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('allOrders' as const),
      alias: fc.boolean(),
      status: fc.constantFrom(null, 'PENDING' as const, 'PAID' as const),
      first: fc.constantFrom(1, 3, 10),
      selections: selectionsArb('Order', DEPTH),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('typename' as const), alias: fc.boolean() }), weight: 1 },
);

export const operationArb: fc.Arbitrary<Operation> = fc.record({
  roots: fc.array(rootArb, { minLength: 1, maxLength: 3 }),
  b0: fc.boolean(),
  b1: fc.boolean(),
});
