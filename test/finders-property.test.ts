import { setTimeout as pause } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel, GatewayError, type Atomicity, type Store } from '../src/index.js';
import type { Update } from '../src/model/apply-update.js';
import { evaluateCondition, type Condition } from '../src/model/conditions.js';
import { byMode } from './helpers/modes.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * Model-based: random sequences of inserts, lock updates (set, inc), deletes (by key and by where) and
 * TTL expiries run against the gateway, and an in-memory oracle follows them. Every finder query
 * (random where, nested and/or/not, every operator, nulls; every order) is paged through with a small
 * `first` and compared in full, set and order, with the oracle: filtered by the lock conditions'
 * evaluator (so finders and conditions are proved to agree) and ordered by a comparator written here
 * from the documented rules. Each run starts on a flushed database.
 */

/** Indexed fields of every kind: nullable (label, flag, at), optional (rank, tier), both (score). */
const Thing = defineModel(
  'Thing',
  z.object({
    label: z.string().nullable(),
    rank: z.int32().optional(),
    score: z.number().nullable().optional(),
    flag: z.boolean().nullable(),
    tier: z.enum(['GOLD', 'SILVER', 'BRONZE']).optional(),
    at: z.date().nullable(),
    note: z.string().default(''),
  }),
  { index: ['label', 'rank', 'score', 'flag', 'tier', 'at'] },
);

type Value = Record<string, unknown>;
type Field = 'label' | 'rank' | 'score' | 'flag' | 'tier' | 'at';

const LABELS = ['', 'a', 'B', 'a\u0000', 'a\u0000b', 'é', '😀', '\uFFFF'];
const RANKS = [-2, 0, 1, 3];
const SCORES = [-1.5, -0, 0, 0.1, 2.5, 1e10];
const TIERS = ['GOLD', 'SILVER', 'BRONZE'] as const;
const DATES = ['1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2024-02-29T12:00:00.000Z', '2024-02-29T12:00:00.001Z'].map(
  (iso) => new Date(iso),
);
/** Keys whose pks sort differently by code unit and by code point, hold colons and NULs. */
const PKS = ['p1', 'p2', 'p3', 'p4', 'A', 'a:b', 'é', '😀', '\uFFFF', 'z\u0000'];

/** Values a filter compares with: the stored ones and some between them. */
const OPERANDS: Record<Field, fc.Arbitrary<unknown>> = {
  label: fc.constantFrom(...LABELS, 'b', 'a\u0000a', 'Z'),
  rank: fc.constantFrom(...RANKS, 2, -5),
  score: fc.constantFrom(...SCORES, 0.30000000000000004, 1),
  flag: fc.boolean(),
  tier: fc.constantFrom(...TIERS),
  at: fc.constantFrom(...DATES, new Date('2024-02-29T11:59:59.999Z')),
};

const OPERATORS: Record<Field, readonly string[]> = {
  label: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'],
  rank: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'],
  score: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'],
  flag: ['eq', 'ne'],
  tier: ['eq', 'ne', 'in'],
  at: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'],
};
const FIELDS = Object.keys(OPERATORS) as Field[];

// ---- generators ---------------------------------------------------------------------------------

const inputArb: fc.Arbitrary<Value> = fc.record({
  label: fc.option(fc.constantFrom(...LABELS), { nil: null }),
  rank: fc.option(fc.constantFrom(...RANKS), { nil: undefined }),
  score: fc.oneof(fc.constant(null), fc.constant(undefined), fc.constantFrom(...SCORES)),
  flag: fc.option(fc.boolean(), { nil: null }),
  tier: fc.option(fc.constantFrom(...TIERS), { nil: undefined }),
  at: fc.option(fc.constantFrom(...DATES), { nil: null }),
  note: fc.constantFrom('', 'x'),
});

/** One or two operators on one field; eq and ne also take null. */
const fieldFilterArb: fc.Arbitrary<Condition> = fc.constantFrom(...FIELDS).chain((field) =>
  fc
    .oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) })
    .chain((count) => fc.uniqueArray(fc.constantFrom(...OPERATORS[field]), { minLength: count, maxLength: count }))
    .chain((operators) =>
      fc
        .tuple(
          ...operators.map((operator) =>
            operator === 'in'
              ? fc.array(OPERANDS[field], { maxLength: 3 })
              : operator === 'eq' || operator === 'ne'
                ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: OPERANDS[field] })
                : OPERANDS[field],
          ),
        )
        .map((operands) => ({ [field]: Object.fromEntries(operators.map((operator, i) => [operator, operands[i]])) })),
    ),
);

/** Nesting up to three levels of and / or / not, and several filters side by side. */
const whereArb: fc.Arbitrary<Condition> = fc.letrec<{ where: Condition }>((tie) => ({
  where: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fieldFilterArb,
    fc.tuple(fieldFilterArb, fieldFilterArb).map(([a, b]) => ({ ...b, ...a })),
    fc.array(tie('where'), { maxLength: 3 }).map((each) => ({ and: each })),
    fc.array(tie('where'), { maxLength: 3 }).map((each) => ({ or: each })),
    tie('where').map((each) => ({ not: each })),
    fc.tuple(fieldFilterArb, fc.array(tie('where'), { maxLength: 2 })).map(([filter, each]) => ({ ...filter, or: each })),
  ),
})).where;

interface Query {
  where: Condition | null;
  orderBy: { field: Field; direction: 'ASC' | 'DESC' } | null;
  first: number;
  /** Without it, a page in pk order may walk @pk instead of building the match set (docs/finders.md). */
  withTotalCount: boolean;
  via: 'store' | 'graphql';
}

const queryArb: fc.Arbitrary<Query> = fc.record({
  where: fc.option(whereArb, { nil: null, freq: 5 }),
  orderBy: fc.option(fc.record({ field: fc.constantFrom(...FIELDS), direction: fc.constantFrom('ASC' as const, 'DESC' as const) }), {
    nil: null,
    freq: 4,
  }),
  first: fc.integer({ min: 1, max: 4 }),
  withTotalCount: fc.boolean(),
  via: fc.constantFrom('store' as const, 'graphql' as const),
});

const setArb: fc.Arbitrary<Value> = fc.record(
  {
    label: fc.option(fc.constantFrom(...LABELS), { nil: null }),
    rank: fc.option(fc.constantFrom(...RANKS), { nil: null }),
    score: fc.option(fc.constantFrom(...SCORES), { nil: null }),
    flag: fc.option(fc.boolean(), { nil: null }),
    tier: fc.option(fc.constantFrom(...TIERS), { nil: null }),
    at: fc.option(fc.constantFrom(...DATES), { nil: null }),
    note: fc.constantFrom('', 'y'),
  },
  { requiredKeys: [] },
);
const incArb = fc.record({ rank: fc.integer({ min: -3, max: 3 }), score: fc.constantFrom(0.5, -1, 0.1, -0) }, { requiredKeys: [] });

// ---- the oracle ---------------------------------------------------------------------------------

interface Oracle {
  docs: Map<string, Value>;
  expired: boolean;
}

/**
 * Where the property runs: a gateway on the project's Redis, one redis-server or a cluster. On a cluster
 * a write is one slot's, and these pks fall in different slots: there an insert or a delete by keys is
 * written a step per slot (`atomicity`).
 */
interface Real {
  store: Store;
  execute<TData>(query: string, variables: Record<string, unknown>): Promise<{ data: TData | null | undefined; errors: unknown }>;
  /** How an insert or a delete of several of these keys is written. */
  atomicity: Atomicity;
  /** How many of `keys` exist. */
  exists(keys: readonly string[]): Promise<number>;
  /** Removes every Thing and its index entries. */
  clear(): Promise<void>;
}

/** What the store holds once the document went through JSON: no undefined members, no negative zero. */
const stored = (value: Value): Value =>
  Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([name, member]) => [name, Object.is(member, -0) ? 0 : member]),
  );

/** Fields whose zod type takes null; setting null on the others removes them. */
const ACCEPTS_NULL = new Set(['label', 'score', 'flag', 'at']);

/** The oracle's version of an update: the next value, or 'refused' when an inc meets a non-number. */
function applyOracleUpdate(current: Value, update: { set?: Value; inc?: Record<string, number> }): Value | 'refused' {
  const next: Value = { ...current };
  for (const [name, member] of Object.entries(update.set ?? {})) {
    if (member === undefined) continue;
    if (member === null && !ACCEPTS_NULL.has(name)) delete next[name];
    else next[name] = member;
  }
  for (const [name, amount] of Object.entries(update.inc ?? {})) {
    const before = next[name];
    if (typeof before !== 'number') return 'refused';
    next[name] = before + amount;
  }
  return stored(next);
}

/** Code point order, by code points rather than bytes or UTF-16 units: the documented string order. */
function byCodePoint(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return Math.sign(left.length - right.length);
}

/** Strings and enums by code point, numbers by value, dates by instant, false before true. */
function byValue(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return byCodePoint(String(a), String(b));
}

/** The documented order: null or absent values last ascending, ties by pk; DESC is the exact reverse of ASC. */
function byOrder(orderBy: Query['orderBy']) {
  return ([pkA, a]: [string, Value], [pkB, b]: [string, Value]): number => {
    const direction = orderBy?.direction === 'DESC' ? -1 : 1;
    if (orderBy) {
      const x = a[orderBy.field];
      const y = b[orderBy.field];
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      if (xNull !== yNull) return direction * (xNull ? 1 : -1);
      const difference = xNull ? 0 : byValue(x, y);
      if (difference !== 0) return direction * difference;
    }
    return direction * byCodePoint(pkA, pkB);
  };
}

const matching = (oracle: Oracle, where: Condition | null) =>
  [...oracle.docs].filter(([, value]) => where === null || evaluateCondition(where, value));

/** A value as GraphQL answers it: absent members null, dates as ISO text. */
const asGraphQL = (value: Value) =>
  Object.fromEntries(
    ['label', 'rank', 'score', 'flag', 'tier', 'at', 'note'].map((name) => [
      name,
      value[name] instanceof Date ? (value[name] as Date).toISOString() : (value[name] ?? null),
    ]),
  );

const THINGS = `query Things($where: ThingWhere, $orderBy: ThingOrderBy, $first: Int, $after: String, $count: Boolean!) {
  allThings(where: $where, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { pk label rank score flag tier at note } }
    pageInfo { hasNextPage endCursor }
    totalCount @include(if: $count)
  }
}`;

interface ThingsData {
  allThings: {
    edges: Array<{ node: Value & { pk: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount?: number | null;
  };
}

interface PageSeen {
  items: Array<[string, unknown]>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number | null;
}

async function fetchPage(real: Real, query: Query, after: string | null): Promise<PageSeen> {
  if (query.via === 'store') {
    const page = await real.store
      .session()
      .findModels(Thing, { where: query.where, orderBy: query.orderBy, first: query.first, after, withTotalCount: query.withTotalCount });
    return { items: page.edges.map((edge) => [edge.node!.pk, stored(edge.node!.value)]), ...page.pageInfo, totalCount: page.totalCount };
  }
  const { data, errors } = await real.execute<ThingsData>(THINGS, {
    where: query.where,
    orderBy: query.orderBy,
    first: query.first,
    after,
    count: query.withTotalCount,
  });
  expect(errors).toBeUndefined();
  const page = data?.allThings;
  if (!page) throw new Error('allThings answered no data');
  return { items: page.edges.map(({ node: { pk, ...value } }) => [pk, value]), ...page.pageInfo, totalCount: page.totalCount ?? null };
}

/**
 * Pages through the query, running `between` after each page but the last, and checks every page
 * against the oracle as it stands when the page is read. A cursor is a position (the last edge's sort
 * value and pk, as they were when it was read), so a page is the first `first` matches that sort after
 * that position, and hasNextPage says whether more do. The one freedom: an instance deleted, or whose
 * ordering field changed, since the traversal began may be left out (the spec promises nothing for
 * it). Without writes this is the full result, in order, once; with them, it is stable paging.
 */
async function checkTraversal(oracle: Oracle, real: Real, query: Query, between: () => Promise<void> = async () => {}): Promise<void> {
  const order = byOrder(query.orderBy);
  const present = ([pk, value]: [string, Value]): [string, unknown] => [pk, query.via === 'graphql' ? asGraphQL(value) : value];
  const sortValue = (value: Value) => (query.orderBy ? (value[query.orderBy.field] ?? null) : null);
  const lastSortValue = new Map([...oracle.docs].map(([pk, value]) => [pk, sortValue(value)]));
  const unsettled = new Set<string>();
  let position: [string, Value] | null = null;
  let after: string | null = null;
  for (let index = 0; ; index++) {
    if (index > 100) throw new Error('paging did not end after 100 pages');
    const page: PageSeen = await fetchPage(real, query, after);
    const matches = matching(oracle, query.where).sort(order);
    const following: Array<[string, Value]> =
      position === null ? matches : matches.filter((doc) => order(doc, position as [string, Value]) > 0);
    expect(page.totalCount).toBe(query.withTotalCount ? matches.length : null);
    // Walk the page along what follows the position: only unsettled instances may be skipped.
    let next = 0;
    for (const item of page.items) {
      while (next < following.length && following[next]?.[0] !== item[0]) {
        expect(unsettled, `page ${index} skipped ${show(following[next]?.[0])}`).toContain(following[next]?.[0]);
        next++;
      }
      expect(next, `page ${index} holds ${show(item[0])}, which does not follow the cursor`).toBeLessThan(following.length);
      expect(item).toEqual(present(following[next] as [string, Value]));
      next++;
    }
    const rest = following.slice(next).filter(([pk]) => !unsettled.has(pk));
    if (page.items.length < query.first) expect(rest).toEqual([]);
    if (page.items.length < query.first || following.length === next) expect(page.hasNextPage).toBe(false);
    else if (rest.length > 0) expect(page.hasNextPage).toBe(true);
    if (!page.hasNextPage) break;
    expect(page.endCursor).not.toBeNull();
    position = following[next - 1] ?? null;
    after = page.endCursor;
    await between();
    for (const pk of lastSortValue.keys()) if (!oracle.docs.has(pk)) unsettled.add(pk);
    for (const [pk, value] of oracle.docs) {
      const previous = lastSortValue.get(pk);
      if (previous !== undefined && byNullable(previous, sortValue(value)) !== 0) unsettled.add(pk);
      lastSortValue.set(pk, sortValue(value));
    }
  }
}

const byNullable = (a: unknown, b: unknown) => (a === null || b === null ? (a === b ? 0 : 1) : byValue(a, b));

// ---- commands -----------------------------------------------------------------------------------

const show = (value: unknown) => fc.stringify(value);
const keyOf = (pk: string) => `Thing:${pk}`;

async function rejection(action: () => Promise<unknown>): Promise<GatewayError | undefined> {
  return action().then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof GatewayError) return error;
      throw error;
    },
  );
}

class Insert implements fc.AsyncCommand<Oracle, Real> {
  constructor(readonly items: ReadonlyArray<{ pk: string; input: Value }>) {}
  check = () => true;
  async run(oracle: Oracle, real: Real) {
    const drafts = this.items.map(({ pk, input }) => Thing.create(input as never, { pk }));
    await real.store.insert(drafts, { atomicity: real.atomicity });
    for (const draft of drafts) oracle.docs.set(draft.pk, stored(draft.value));
  }
  toString = () => `insert(${show(this.items)})`;
}

class LockUpdate implements fc.AsyncCommand<Oracle, Real> {
  constructor(
    readonly pk: string,
    readonly update: { set?: Value; inc?: Record<string, number> },
  ) {}
  check = () => true;
  async run(oracle: Oracle, real: Real) {
    const current = oracle.docs.get(this.pk);
    const next = current === undefined ? undefined : applyOracleUpdate(current, this.update);
    const session = real.store.session();
    const attempt = () => session.withLock(keyOf(this.pk), 'default', { update: this.update as Update });
    if (next === 'refused') {
      expect((await rejection(attempt))?.code).toBe('BAD_USER_INPUT');
      return;
    }
    const result = await attempt();
    expect(result.applied).toBe(next !== undefined);
    if (next !== undefined) oracle.docs.set(this.pk, next);
  }
  toString = () => `withLock(${show(this.pk)}, ${show(this.update)})`;
}

class DeleteKeys implements fc.AsyncCommand<Oracle, Real> {
  constructor(readonly pks: readonly string[]) {}
  check = () => true;
  async run(oracle: Oracle, real: Real) {
    const present = [...new Set(this.pks)].filter((pk) => oracle.docs.has(pk));
    const keys = this.pks.map(keyOf);
    const { count } = await real.store.session().deleteMany(keys, { atomicity: real.atomicity });
    expect(count).toBe(present.length);
    for (const pk of present) oracle.docs.delete(pk);
  }
  toString = () => `deleteMany(${show(this.pks)})`;
}

class DeleteWhere implements fc.AsyncCommand<Oracle, Real> {
  constructor(readonly where: Condition) {}
  check = () => true;
  async run(oracle: Oracle, real: Real) {
    const selected = matching(oracle, this.where).map(([pk]) => pk);
    const refused = await rejection(async () => {
      const result = await real.store.session().deleteWhere(Thing, this.where);
      expect(result.count).toBe(selected.length);
    });
    if (refused) {
      // Refused only as a where that selects everything (say, an empty and): deleteAll is for that.
      expect(refused.code).toBe('BAD_USER_INPUT');
      expect(selected).toHaveLength(oracle.docs.size);
      return;
    }
    for (const pk of selected) oracle.docs.delete(pk);
  }
  toString = () => `deleteWhere(${show(this.where)})`;
}

/**
 * setTtl(1 s) on some keys; then some get their TTL removed (setTtl null) or are rewritten (which
 * removes it: the model has no ttl); then waits, polling EXISTS, until the others are gone. Once per
 * run, so that a run waits a second at most.
 */
class Expire implements fc.AsyncCommand<Oracle, Real> {
  constructor(
    readonly pks: readonly string[],
    readonly persisted: readonly string[],
    readonly rewritten: readonly string[],
  ) {}
  check = (oracle: Readonly<Oracle>) => !oracle.expired;
  async run(oracle: Oracle, real: Real) {
    oracle.expired = true;
    const session = real.store.session();
    const expiring = new Set<string>();
    for (const pk of new Set(this.pks)) {
      if (!oracle.docs.has(pk)) {
        expect((await rejection(() => session.setTtl(keyOf(pk), 1)))?.code).toBe('KEY_NOT_FOUND');
        continue;
      }
      await session.setTtl(keyOf(pk), 1);
      expiring.add(pk);
    }
    for (const pk of this.persisted.filter((each) => expiring.has(each))) {
      await session.setTtl(keyOf(pk), null);
      expiring.delete(pk);
    }
    for (const pk of this.rewritten.filter((each) => expiring.has(each))) {
      await session.withLock(keyOf(pk), 'default', { update: { set: { note: 'rewritten' } } });
      oracle.docs.set(pk, { ...oracle.docs.get(pk), note: 'rewritten' });
      expiring.delete(pk);
    }
    if (expiring.size === 0) return;
    const keys = [...expiring].map(keyOf);
    for (let poll = 0; (await real.exists(keys)) > 0; poll++) {
      if (poll > 400) throw new Error(`${keys.join(', ')} did not expire`);
      await pause(10);
    }
    for (const pk of expiring) oracle.docs.delete(pk);
  }
  toString = () => `expire(${show(this.pks)}, persisted ${show(this.persisted)}, rewritten ${show(this.rewritten)})`;
}

/** A traversal, with writes between its pages; the writes it does not reach run after it. */
class Find implements fc.AsyncCommand<Oracle, Real> {
  constructor(
    readonly query: Query,
    readonly writes: ReadonlyArray<fc.AsyncCommand<Oracle, Real>>,
  ) {}
  check = () => true;
  async run(oracle: Oracle, real: Real) {
    let next = 0;
    await checkTraversal(oracle, real, this.query, async () => {
      await this.writes[next++]?.run(oracle, real);
    });
    for (const write of this.writes.slice(next)) await write.run(oracle, real);
  }
  toString = () =>
    `find(${show(this.query)}${this.writes.length > 0 ? `, writing between pages: ${this.writes.map(String).join(', ')}` : ''})`;
}

const pkArb = fc.constantFrom(...PKS);
const insertArb = fc
  .uniqueArray(fc.record({ pk: pkArb, input: inputArb }), { minLength: 1, maxLength: 5, selector: (item) => item.pk })
  .map((items) => new Insert(items));
const updateArb = fc.tuple(pkArb, setArb, incArb).map(([pk, set, inc]) => {
  const hasSet = Object.keys(set).length > 0;
  const hasInc = Object.keys(inc).length > 0;
  return new LockUpdate(pk, hasSet && hasInc ? { set, inc } : hasInc ? { inc } : { set });
});
const deleteKeysArb = fc.array(pkArb, { minLength: 1, maxLength: 2 }).map((pks) => new DeleteKeys(pks));
const deleteWhereArb = whereArb.map((where) => new DeleteWhere(where));
const writeArb: fc.Arbitrary<fc.AsyncCommand<Oracle, Real>> = fc.oneof(
  { weight: 4, arbitrary: insertArb },
  { weight: 4, arbitrary: updateArb },
  { weight: 2, arbitrary: deleteKeysArb },
  { weight: 1, arbitrary: deleteWhereArb },
);
const expireArb = fc
  .tuple(
    fc.uniqueArray(pkArb, { minLength: 2, maxLength: 6 }),
    fc.uniqueArray(pkArb, { maxLength: 1 }),
    fc.uniqueArray(pkArb, { maxLength: 1 }),
  )
  .map(([pks, persisted, rewritten]) => new Expire(pks, persisted, rewritten));

/** Expire is rare (about one run in eight has one): each costs a second of waiting for Redis to expire keys. */
const commandArb: fc.Arbitrary<fc.AsyncCommand<Oracle, Real>> = fc.oneof(
  { weight: 96, arbitrary: insertArb },
  { weight: 64, arbitrary: updateArb },
  { weight: 24, arbitrary: deleteKeysArb },
  { weight: 8, arbitrary: deleteWhereArb },
  {
    weight: 24,
    arbitrary: fc.tuple(queryArb, fc.array(writeArb, { maxLength: 4 })).map(([query, writes]) => new Find(query, writes)),
  },
  { weight: 1, arbitrary: expireArb },
);

// ---- the property -------------------------------------------------------------------------------

/** The property over `real`, `numRuns` times, each run from no Thing at all. */
async function holds(real: Real, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.commands([commandArb], { maxCommands: 30, size: 'max' }),
      fc.array(queryArb, { minLength: 3, maxLength: 5 }),
      async (commands, finalQueries) => {
        await real.clear();
        const oracle: Oracle = { docs: new Map(), expired: false };
        await fc.asyncModelRun(() => ({ model: oracle, real }), commands);
        for (const query of finalQueries) await checkTraversal(oracle, real, query);
      },
    ),
    { numRuns },
  );
}

/*
 * On a cluster each Thing falls in a slot of its own, pages gather every primary's shards and deletes by
 * where run a step per slot. Fewer runs there: a page is two script calls on each primary.
 */
describe('finders against an oracle', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ models: [Thing] });
  });
  afterAll(() => t.close());

  it(
    'answer every query, paged, exactly as the lock conditions and the documented order say',
    async () => {
      await holds(
        {
          store: t.gateway.store,
          execute: <TData>(query: string, variables: Record<string, unknown>) =>
            t.execute<TData, Record<string, unknown>>(query, variables),
          atomicity: byMode({ standalone: 'ALL', cluster: 'PER_SLOT' }),
          exists: (keys) => t.redis.exists(...keys),
          clear: () => t.redis.flush(),
        },
        byMode({ standalone: 60, cluster: 12 }),
      );
    },
    byMode({ standalone: 120_000, cluster: 180_000 }),
  );
});
