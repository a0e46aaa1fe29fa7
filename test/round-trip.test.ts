import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStore, defineModel, type ModelInstance, type Store } from '../src/index.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * Whatever the store accepts comes back equal: written with `store.insert`, read back from Redis by a
 * store on another connection (so no DataLoader cache can answer), and through GraphQL `nodes`.
 *
 * What "equal" means, decided here:
 * - Through the store, a value reads back deep-equal to what was written (defaults filled in), Dates as
 *   Dates to the millisecond, absent optional fields still absent. One exception: JSON has no negative
 *   zero, so a -0 anywhere in a document is stored as 0 and reads back as 0.
 * - Through GraphQL, the same value in JSON form: Dates as ISO-8601 strings, and an absent optional
 *   field as null, since a GraphQL response has no "absent" for a selected field.
 */

const RUNS = { numRuns: 60 };

const Color = z.enum(['RED', 'GREEN', 'BLUE']);
const Point = z.object({ label: z.string(), at: z.date(), note: z.string().optional(), weight: z.number().nullable() });

const Everything = defineModel(
  'Everything',
  z.object({
    text: z.string(),
    count: z.int(),
    small: z.int32(),
    ratio: z.number(),
    flag: z.boolean(),
    at: z.date(),
    color: Color,
    texts: z.array(z.string()),
    counts: z.array(z.int()),
    smalls: z.array(z.int32()),
    ratios: z.array(z.number()),
    flags: z.array(z.boolean()),
    dates: z.array(z.date()),
    colors: z.array(Color),
    maybeTexts: z.array(z.string().nullable()),
    meta: z.record(z.string(), z.unknown()),
    address: z.object({
      street: z.string(),
      zip: z.int32().nullable(),
      lines: z.array(z.string()),
      since: z.date(),
      geo: z.object({ lat: z.number(), lng: z.number() }),
    }),
    points: z.array(Point),
    nickname: z.string().optional(),
    due: z.date().optional(),
    middleName: z.string().nullable(),
    closedAt: z.date().nullable(),
    score: z.number().default(1.5),
    tags: z.array(z.string()).default([]),
    status: Color.default('GREEN'),
  }),
);
type EverythingValue = z.output<typeof Everything.schema>;

const EVERYTHING_FIELDS = `
  text count small ratio flag at color texts counts smalls ratios flags dates colors maybeTexts meta
  address { street zip lines since geo { lat lng } }
  points { label at note weight }
  nickname due middleName closedAt score tags status`;

const Note = defineModel('Note', z.object({ title: z.string(), pages: z.int32() }));

/** The model as it is now; documents written under earlier definitions must still load. */
const Profile = defineModel(
  'Profile',
  z.object({
    name: z.string(),
    address: z.object({ city: z.string() }).optional(),
    plan: z.enum(['FREE', 'PRO']).default('FREE'),
    badges: z.array(z.string()).default([]),
  }),
);
/** The same model, as it was first defined: only a name. */
const ProfileBefore = defineModel('Profile', z.object({ name: z.string() }));

// Strings: every code point (astral ones included), grapheme clusters, lone surrogates (JSON escapes
// them, so they survive), and the usual troublemakers.
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('a', '😀')) }),
  fc.constantFrom('', ' ', '\u0000', '"\\/\n\t', '{"not":"parsed"}', '__proto__', 'User:alice'),
);
const safeInt = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0));
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Every finite double: -0, subnormals and ±Number.MAX_VALUE included. */
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Any valid Date, from -271821-04-20 to +275760-09-13, to the millisecond. */
const anyDate = fc.date({ noInvalidDate: true });
const color = fc.constantFrom(...Color.options);
/** A record's own keys exclude "__proto__": see the test 'never drops a record key named __proto__ silently'. */
const recordKey = anyString.filter((key) => key !== '__proto__');
const jsonRecord = fc.dictionary(recordKey, fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), { maxKeys: 5, noNullPrototype: true });
/** Plain objects, as a caller builds them (fast-check may otherwise make some without a prototype). */
const plain = { noNullPrototype: true } as const;
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 4 });

const alwaysGiven = fc.record(
  {
    text: anyString,
    count: safeInt,
    small: int32,
    ratio: finiteDouble,
    flag: fc.boolean(),
    at: anyDate,
    color,
    texts: list(anyString),
    counts: list(safeInt),
    smalls: list(int32),
    ratios: list(finiteDouble),
    flags: list(fc.boolean()),
    dates: list(anyDate),
    colors: list(color),
    maybeTexts: list(fc.option(anyString, { nil: null })),
    meta: jsonRecord,
    address: fc.record(
      {
        street: anyString,
        zip: fc.option(int32, { nil: null }),
        lines: list(anyString),
        since: anyDate,
        geo: fc.record({ lat: finiteDouble, lng: finiteDouble }, plain),
      },
      plain,
    ),
    points: list(
      fc.record(
        { label: anyString, at: anyDate, note: anyString, weight: fc.option(finiteDouble, { nil: null }) },
        { requiredKeys: ['label', 'at', 'weight'], ...plain },
      ),
    ),
    middleName: fc.option(anyString, { nil: null }),
    closedAt: fc.option(anyDate, { nil: null }),
  },
  plain,
);
/** Optional and defaulted fields: each is sometimes left out altogether (absent, not undefined). */
const sometimesGiven = fc.record(
  { nickname: anyString, due: anyDate, score: finiteDouble, tags: list(anyString), status: color },
  { requiredKeys: [], ...plain },
);
const everythingInput = fc.tuple(alwaysGiven, sometimesGiven).map(([given, maybe]) => ({ ...given, ...maybe }));

/** What was written: the input with the schema's defaults for the fields it left out. */
const withDefaults = (input: z.input<typeof Everything.schema>): EverythingValue => ({
  ...input,
  score: input.score ?? 1.5,
  tags: input.tags ?? [],
  status: input.status ?? 'GREEN',
});

/** JSON has no negative zero: -0 is stored as 0. Everything else is expected back as written. */
function withoutNegativeZero<T>(value: T): T {
  if (Object.is(value, -0)) return 0 as T;
  if (Array.isArray(value)) return value.map(withoutNegativeZero) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutNegativeZero(item)])) as T;
  }
  return value;
}

/** The value as a GraphQL response carries it. */
const jsonImage = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const asGraphQL = (value: EverythingValue) => ({
  ...(jsonImage(value) as object),
  nickname: value.nickname ?? null,
  due: value.due?.toISOString() ?? null,
  points: value.points.map((point) => ({ ...(jsonImage(point) as object), note: point.note ?? null })),
});

let gateway: TestGateway;
/** A store on a connection of its own: its reads come from Redis, never from the writer's cache. */
let reader: Store;
let nextPk = 0;
/** The pks of one insert share a hash tag: on a cluster a write of several slots is refused (CROSS_SLOT). */
const nextTaggedPk = () => `{rt}p${nextPk++}`;

beforeAll(async () => {
  gateway = await openTestGateway({ models: [Everything, Note, Profile] });
  reader = createStore({ redis: gateway.redis.connect(), models: [Everything, Note, Profile] });
});

afterAll(async () => {
  await gateway.close();
});

const values = (instances: readonly ModelInstance[]) => instances.map((instance) => instance.value);

async function nodes(keys: readonly string[], fields: string) {
  return gateway.execute<{ nodes: Array<Record<string, unknown> | null> }, { keys: readonly string[] }>(
    `query ($keys: [ID!]!) { nodes(keys: $keys) { key ... on ${fields} } }`,
    { keys },
  );
}

describe('a round trip through Redis', () => {
  it('gives back every supported field type as written, through the store', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(everythingInput, { minLength: 1, maxLength: 4 }), async (inputs) => {
        const drafts = inputs.map((input) => Everything.create(input, { pk: nextTaggedPk() }));
        const written = inputs.map(withDefaults);
        expect(drafts.map((draft) => draft.value)).toStrictEqual(written);

        await gateway.gateway.store.insert(drafts);
        const read = await reader.find(drafts.map((draft) => draft.key));

        expect(values(read)).toStrictEqual(written.map(withoutNegativeZero));
      }),
      RUNS,
    );
  });

  it('gives back every supported field type as written, through GraphQL nodes(keys)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(everythingInput, { minLength: 1, maxLength: 4 }), async (inputs) => {
        const drafts = inputs.map((input) => Everything.create(input, { pk: nextTaggedPk() }));
        const written = inputs.map(withDefaults);
        await gateway.gateway.store.insert(drafts);

        const keys = drafts.map((draft) => draft.key);
        const { status, data, errors } = await nodes(keys, `Everything { ${EVERYTHING_FIELDS} }`);

        expect(errors).toBeUndefined();
        expect(status).toBe(200);
        expect(data?.nodes).toStrictEqual(written.map((value, i) => ({ key: keys[i], ...asGraphQL(value) })));
      }),
      RUNS,
    );
  });

  it('keeps -0 as 0, since JSON has no negative zero', async () => {
    const draft = Note.create({ title: 'zero', pages: -0 }, { pk: 'negative-zero' });
    await gateway.gateway.store.insert([draft]);
    const [read] = await reader.find([draft.key]);
    expect(read?.value.pages).toBe(0); // toBe compares with Object.is: -0 would fail
  });

  it('keeps empty strings and empty lists, which are not absent', async () => {
    const input = fc.sample(everythingInput, { seed: 42, numRuns: 1 })[0]!;
    const draft = Everything.create({ ...input, text: '', texts: [], dates: [], meta: {}, tags: [], maybeTexts: [''] }, { pk: 'empties' });
    await gateway.gateway.store.insert([draft]);
    const [read] = await reader.find([draft.key]);
    expect(read?.value).toMatchObject({ text: '', texts: [], dates: [], meta: {}, tags: [], maybeTexts: [''] });
    expect(await gateway.redis.client.get(draft.key)).toContain('"texts":[]');
  });
});

describe('a record field', () => {
  it('keeps JSON values of every kind, nested objects and arrays included', async () => {
    const meta = {
      '': null,
      list: [],
      nested: { deep: [1, 'two', { three: true }] },
      big: Number.MAX_SAFE_INTEGER,
      tiny: 5e-324,
      '__proto__ nested': { ['__proto__']: 1 },
    };
    const input = { ...fc.sample(everythingInput, { seed: 7, numRuns: 1 })[0]!, meta };
    const draft = Everything.create(input, { pk: 'json-values' });
    await gateway.gateway.store.insert([draft]);
    const [read] = await reader.find([draft.key]);
    expect(read?.value.meta).toStrictEqual(meta);
  });

  it('refuses a record key named __proto__ with VALIDATION_FAILED instead of dropping it silently', async () => {
    // JSON.parse makes "__proto__" an own key, as it would arrive in a GraphQL JSON argument.
    const meta = JSON.parse('{"__proto__": ["kept?"], "other": 1}') as Record<string, unknown>;
    const input = { ...fc.sample(everythingInput, { seed: 7, numRuns: 1 })[0]!, meta };
    let refusal: unknown;
    try {
      Everything.create(input, { pk: 'proto-key' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'meta.__proto__' } });
    expect(await gateway.redis.exists('Everything:proto-key')).toBe(0);
  });
});

describe('a stored value that is not a valid document', () => {
  it('fails that item alone with CORRUPT_VALUE, while the other keys of the same nodes call come back', async () => {
    await gateway.gateway.store.insert([
      Note.create({ title: 'first', pages: 1 }, { pk: '{rt}good-1' }),
      Note.create({ title: 'second', pages: 2 }, { pk: '{rt}good-2' }),
    ]);
    await gateway.redis.client.set('Note:not-json', '{"title": "cut sho');
    await gateway.redis.client.set('Note:invalid', JSON.stringify({ title: 'pages is text', pages: 'ten' }));
    await gateway.redis.client.set('Note:too-big', JSON.stringify({ title: 'past Int', pages: 2 ** 31 }));
    await gateway.redis.client.set('Note:infinite', '{"title": "1e400 parses to Infinity", "pages": 1e400}');
    await gateway.redis.client.set('Note:untitled', JSON.stringify({ pages: 4 }));

    const keys = ['Note:{rt}good-1', 'Note:not-json', 'Note:{rt}good-2', 'Note:invalid', 'Note:too-big', 'Note:infinite', 'Note:untitled'];
    const { status, data, errors } = await nodes(keys, 'Note { title pages }');

    expect(status).toBe(200);
    expect(data?.nodes).toEqual([
      { key: 'Note:{rt}good-1', title: 'first', pages: 1 },
      null,
      { key: 'Note:{rt}good-2', title: 'second', pages: 2 },
      null,
      null,
      null,
      null,
    ]);
    expect(errorCodes(errors)).toEqual([1, 3, 4, 5, 6].map((index) => ({ path: `nodes.${index}`, code: 'CORRUPT_VALUE' })));
    expect(errors?.map((error) => error.extensions)).toMatchObject([1, 3, 4, 5, 6].map((index) => ({ key: keys[index], index })));
    expect(errors?.map((error) => error.message)).toEqual([
      'The value stored at "Note:not-json" is not a valid document: it is not JSON.',
      'The value stored at "Note:invalid" is not a valid document: field "pages" Invalid input: expected number, received string against model Note.',
      'The value stored at "Note:too-big" is not a valid document: field "pages" Too big: expected int to be <=2147483647 against model Note.',
      'The value stored at "Note:infinite" is not a valid document: field "pages" Invalid input: expected number, received Infinity against model Note.',
      'The value stored at "Note:untitled" is not a valid document: field "title" Invalid input: expected string, received undefined against model Note.',
    ]);
  });

  it('makes store.find and store.get throw CORRUPT_VALUE naming the key', async () => {
    await gateway.gateway.store.insert([Note.create({ title: 'fine', pages: 3 }, { pk: 'fine' })]);
    await gateway.redis.client.set('Note:broken', 'not json at all');
    await expect(reader.get('Note:broken')).rejects.toMatchObject({ code: 'CORRUPT_VALUE', details: { key: 'Note:broken' } });
    await expect(reader.find(['Note:fine', 'Note:broken'])).rejects.toMatchObject({
      code: 'CORRUPT_VALUE',
      details: { key: 'Note:broken' },
    });
  });
});

describe('a document written under an earlier definition of its model', () => {
  it('loads with the default of a field added later', async () => {
    const before = createStore({ redis: gateway.redis.client, models: [ProfileBefore] });
    await before.insert([ProfileBefore.create({ name: 'Ann' }, { pk: 'ann' })]);

    const [read] = await reader.find(['Profile:ann']);
    expect(read?.value).toStrictEqual({ name: 'Ann', plan: 'FREE', badges: [] });

    const { data, errors } = await nodes(['Profile:ann'], 'Profile { name address { city } plan badges }');
    expect(errors).toBeUndefined();
    expect(data?.nodes).toEqual([{ key: 'Profile:ann', name: 'Ann', address: null, plan: 'FREE', badges: [] }]);
  });

  it('loads without a stored field the model no longer has, at the top level and nested', async () => {
    await gateway.redis.client.set(
      'Profile:bob',
      JSON.stringify({ name: 'Bob', plan: 'PRO', badges: ['early'], legacyScore: 7, address: { city: 'Lyon', zip: '69001' } }),
    );

    const [read] = await reader.find(['Profile:bob']);
    expect(read?.value).toStrictEqual({ name: 'Bob', plan: 'PRO', badges: ['early'], address: { city: 'Lyon' } });

    const { data, errors } = await nodes(['Profile:bob'], 'Profile { name address { city } plan badges }');
    expect(errors).toBeUndefined();
    expect(data?.nodes).toEqual([{ key: 'Profile:bob', name: 'Bob', address: { city: 'Lyon' }, plan: 'PRO', badges: ['early'] }]);
  });

  it('is saved under a lock without the fields the model no longer has', async () => {
    await gateway.redis.client.set(
      'Profile:cy',
      JSON.stringify({ name: 'Cy', plan: 'FREE', legacyScore: 7, address: { city: 'Oslo', zip: '0150' } }),
    );

    const result = await gateway.gateway.store.withLock('Profile:cy', 'upgrade', () => ({ set: { plan: 'PRO' } }));

    expect(result.applied).toBe(true);
    expect(JSON.parse((await gateway.redis.client.get('Profile:cy')) ?? 'null')).toStrictEqual({
      name: 'Cy',
      address: { city: 'Oslo' },
      plan: 'PRO',
      badges: [],
    });
  });
});
