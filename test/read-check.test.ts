import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel, ref, type ModelDefinition } from '../src/index.js';
import { decodeAndValidateDocument, decodeDocument } from '../src/model/document-codec.js';

/*
 * The read-side check of stored documents (decodeDocument), without Redis: what it lets through, what it
 * refuses with CORRUPT_VALUE naming the field, and that it settles a value as zod does (dates revived,
 * defaults filled, unknown keys stripped). Refinements are write rules and are not checked again here.
 */

const Color = z.enum(['RED', 'GREEN', 'BLUE']);
const Kinds = defineModel(
  'Kinds',
  z.object({
    text: z.string(),
    small: z.int32(),
    count: z.int(),
    ratio: z.number(),
    flag: z.boolean(),
    at: z.date(),
    color: Color,
    meta: z.record(z.string(), z.unknown()),
    address: z.object({ city: z.string(), geo: z.object({ lat: z.number(), lng: z.number() }) }),
    counts: z.array(z.int32()),
    maybeTexts: z.array(z.string().nullable()),
    points: z.array(z.object({ label: z.string(), at: z.date() })),
    nickname: z.string().optional(),
    middleName: z.string().nullable(),
    score: z.number().default(1.5),
    tags: z.array(z.string()).default([]),
  }),
);

const sound = {
  text: 'a',
  small: 1,
  count: 2,
  ratio: 0.5,
  flag: true,
  at: '2024-01-02T03:04:05.678Z',
  color: 'RED',
  meta: { any: ['json', 1] },
  address: { city: 'Lyon', geo: { lat: 45.7, lng: 4.8 } },
  counts: [1, 2],
  maybeTexts: ['x', null],
  points: [{ label: 'p', at: '2024-02-03T00:00:00.000Z' }],
  middleName: null,
  score: 2,
  tags: ['t'],
};

/** The text of a document: `sound` with `changes` (undefined leaves a field out), or a raw text given as is. */
const textOf = (changes: Record<string, unknown>) => {
  const value: Record<string, unknown> = { ...sound, ...changes };
  for (const [name, change] of Object.entries(changes)) if (change === undefined) delete value[name];
  return JSON.stringify(value);
};

const read = (model: ModelDefinition, text: string) => decodeDocument(model, `${model.name}:k`, text) as Record<string, unknown>;

/** The message of the CORRUPT_VALUE the read gives, failing the test on anything else. */
function refusalOf(model: ModelDefinition, text: string): string {
  try {
    read(model, text);
  } catch (error) {
    expect(error).toMatchObject({ code: 'CORRUPT_VALUE', details: { key: `${model.name}:k` } });
    return (error as Error).message;
  }
  throw new Error(`expected CORRUPT_VALUE for ${text}`);
}

describe('a sound document', () => {
  it('reads with its dates revived, absent optional fields absent and its values as stored', () => {
    const value = read(Kinds, textOf({}));
    expect(value).toStrictEqual({
      ...sound,
      at: new Date('2024-01-02T03:04:05.678Z'),
      points: [{ label: 'p', at: new Date('2024-02-03T00:00:00.000Z') }],
    });
    expect('nickname' in value).toBe(false);
  });

  it('reads the same as zod in full does', () => {
    const text = textOf({ nickname: 'n' });
    expect(read(Kinds, text)).toStrictEqual(decodeAndValidateDocument(Kinds, 'Kinds:k', text));
  });
});

describe('each kind refuses a value of another type, naming the field', () => {
  it.each([
    ['text', 7, 'expected string, received number'],
    ['small', '1', 'expected number, received string'],
    ['count', 1.5, 'expected int, received number'],
    ['ratio', 'half', 'expected number, received string'],
    ['flag', 0, 'expected boolean, received number'],
    ['at', 1704164645678, 'expected date, received number'],
    ['at', 'yesterday', 'expected date, received a string that is no date'],
    ['color', 'PURPLE', 'expected one of "RED"|"GREEN"|"BLUE"'],
    ['color', 'red', 'expected one of "RED"|"GREEN"|"BLUE"'],
    ['meta', [1], 'expected record, received array'],
    ['meta', 'x', 'expected record, received string'],
    ['address', [], 'expected object, received array'],
    ['counts', { 0: 1 }, 'expected array, received object'],
  ])('%s: %j', (field, value, reason) => {
    expect(refusalOf(Kinds, textOf({ [field]: value }))).toBe(
      `The value stored at "Kinds:k" is not a valid document: field "${field}" Invalid ${field === 'color' ? 'option' : 'input'}: ${reason} against model Kinds.`,
    );
  });

  it('refuses a top level that is no object, naming no field', () => {
    for (const [text, received] of [
      ['[]', 'array'],
      ['null', 'null'],
      ['"text"', 'string'],
      ['3', 'number'],
    ] as const)
      expect(refusalOf(Kinds, text)).toContain(`field "" Invalid input: expected object, received ${received} against model Kinds`);
  });

  it('refuses text that is not JSON', () => {
    expect(refusalOf(Kinds, '{"text": ')).toContain('it is not JSON');
  });
});

describe('numbers at their boundaries', () => {
  it('takes an Int from -2^31 to 2^31 - 1, and nothing past either end', () => {
    expect(read(Kinds, textOf({ small: 2147483647 })).small).toBe(2147483647);
    expect(read(Kinds, textOf({ small: -2147483648 })).small).toBe(-2147483648);
    expect(refusalOf(Kinds, textOf({ small: 2147483648 }))).toContain('field "small" Too big: expected int to be <=2147483647');
    expect(refusalOf(Kinds, textOf({ small: -2147483649 }))).toContain('field "small" Too small: expected int to be >=-2147483648');
    expect(refusalOf(Kinds, textOf({ small: 0.5 }))).toContain('field "small" Invalid input: expected int, received number');
  });

  it('takes a SafeInt up to 2^53 - 1 in magnitude, and not 2^53', () => {
    expect(read(Kinds, textOf({ count: 9007199254740991 })).count).toBe(9007199254740991);
    expect(read(Kinds, textOf({ count: -9007199254740991 })).count).toBe(-9007199254740991);
    expect(refusalOf(Kinds, textOf({ count: 9007199254740992 }))).toContain('field "count" Too big');
    expect(refusalOf(Kinds, textOf({ count: -9007199254740992 }))).toContain('field "count" Too small');
  });

  it('refuses 1e400 and -1e400, which JSON.parse makes infinite, in a Float, an Int and a list', () => {
    const text = (field: string, number: string) => textOf({ [field]: '@' }).replace('"@"', number);
    expect(refusalOf(Kinds, text('ratio', '1e400'))).toContain('field "ratio" Invalid input: expected number, received Infinity');
    expect(refusalOf(Kinds, text('ratio', '-1e400'))).toContain('field "ratio" Invalid input: expected number, received -Infinity');
    expect(refusalOf(Kinds, text('small', '1e400'))).toContain('field "small" Invalid input: expected number, received Infinity');
    expect(refusalOf(Kinds, textOf({ counts: [1, '@'] }).replace('"@"', '1e400'))).toContain('field "counts.1"');
  });
});

describe('nulls, absences and defaults', () => {
  it('refuses null in a field that is not nullable, and in a list whose items are not', () => {
    expect(refusalOf(Kinds, textOf({ text: null }))).toContain('field "text" Invalid input: expected string, received null');
    expect(refusalOf(Kinds, textOf({ nickname: null }))).toContain('field "nickname" Invalid input: expected string, received null');
    expect(refusalOf(Kinds, textOf({ counts: [1, null] }))).toContain('field "counts.1" Invalid input: expected number, received null');
    expect(read(Kinds, textOf({ middleName: null })).middleName).toBeNull();
    expect(read(Kinds, textOf({ maybeTexts: [null, null] })).maybeTexts).toEqual([null, null]);
  });

  it('refuses a document without a required field, at the top level and nested', () => {
    expect(refusalOf(Kinds, textOf({ text: undefined }))).toContain('field "text" Invalid input: expected string, received undefined');
    expect(refusalOf(Kinds, textOf({ address: { city: 'Lyon' } }))).toContain('field "address.geo" Invalid input: expected object');
  });

  it('fills an absent defaulted field with its default, a fresh copy each read', () => {
    const first = read(Kinds, textOf({ score: undefined, tags: undefined }));
    expect(first).toMatchObject({ score: 1.5, tags: [] });
    (first.tags as string[]).push('changed');
    expect(read(Kinds, textOf({ tags: undefined })).tags).toEqual([]);
  });

  it('fills defaults wherever they nest among optional and nullable, as zod does', () => {
    const Wrapped = defineModel(
      'Wrapped',
      z.object({
        a: z.string().optional().default('a'),
        b: z.string().default('b').optional(),
        c: z.string().nullable().default('c'),
        d: z.string().default('d').nullable(),
        e: z.string().nullable().optional(),
      }),
    );
    expect(read(Wrapped, '{}')).toStrictEqual({ a: 'a', b: 'b', c: 'c', d: 'd' });
    expect(read(Wrapped, '{"c": null, "d": null, "e": null}')).toStrictEqual({ a: 'a', b: 'b', c: null, d: null, e: null });
    expect(refusalOf(Wrapped, '{"a": null}')).toContain('field "a" Invalid input: expected string, received null');
  });
});

describe('nested values', () => {
  it('names the path of a wrong type in a nested object, a list item and an object in a list', () => {
    expect(refusalOf(Kinds, textOf({ address: { city: 'Lyon', geo: { lat: '45', lng: 4 } } }))).toContain('field "address.geo.lat"');
    expect(refusalOf(Kinds, textOf({ counts: [1, 2, 'three'] }))).toContain('field "counts.2" Invalid input: expected number');
    expect(refusalOf(Kinds, textOf({ points: [{ label: 'p', at: 'never' }] }))).toContain('field "points.0.at"');
    expect(refusalOf(Kinds, textOf({ points: [[]] }))).toContain('field "points.0" Invalid input: expected object, received array');
  });
});

describe('keys the model does not name', () => {
  it('are stripped at the top level, nested, and in objects inside lists, as zod strips them', () => {
    const value = read(
      Kinds,
      textOf({
        legacy: 1,
        address: { city: 'Lyon', zip: '69001', geo: { lat: 1, lng: 2, alt: 3 } },
        points: [{ label: 'p', at: '2024-02-03T00:00:00.000Z', extra: true }],
      }),
    );
    expect(value).not.toHaveProperty('legacy');
    expect(value.address).toStrictEqual({ city: 'Lyon', geo: { lat: 1, lng: 2 } });
    expect(value.points).toStrictEqual([{ label: 'p', at: new Date('2024-02-03T00:00:00.000Z') }]);
  });

  it('leave out a "__proto__" key, at the top level and in a record, without touching prototypes', () => {
    const value = read(
      Kinds,
      textOf({ meta: { x: 1 } })
        .replace('{"text"', '{"__proto__": {"polluted": 1}, "text"')
        .replace('{"x":1}', '{"__proto__": 2, "x": 1}'),
    );
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.meta).toStrictEqual({ x: 1 });
    expect(Object.prototype.hasOwnProperty.call(value.meta, '__proto__')).toBe(false);
  });
});

describe('refinements are write rules', () => {
  const Strict = defineModel(
    'Refined',
    z.object({
      name: z.string().min(1),
      email: z.email(),
      age: z.int32().min(0),
      price: z.number().nonnegative(),
      tags: z.array(z.string()).max(1),
    }),
  );
  const broken = JSON.stringify({ name: '', email: 'nope', age: -1, price: -1, tags: ['a', 'b'] });

  it('are not checked again on reads, which check structure', () => {
    expect(read(Strict, broken)).toStrictEqual(JSON.parse(broken));
  });

  it('are checked by the full decode that lock saves and reindexing use', () => {
    expect(() => decodeAndValidateDocument(Strict, 'Refined:k', broken)).toThrow(/field "name" .* against model Refined/);
  });
});

describe('a reference', () => {
  // Resolving `user` reads the key the document holds as a User: it must be one, as on writes.
  const Person = defineModel('Person', z.object({ name: z.string() }));
  const Ticket = defineModel('Ticket', z.object({ personId: ref(Person), ownerId: ref(Person).nullable() }));

  it('reads when it holds a key of its target model', () => {
    expect(read(Ticket, '{"personId": "Person:a:b", "ownerId": null}')).toStrictEqual({ personId: 'Person:a:b', ownerId: null });
  });

  it('is refused when it holds a key of another model, or no key, with the words a write uses', () => {
    expect(refusalOf(Ticket, '{"personId": "Ticket:1", "ownerId": null}')).toContain(
      'field "personId" must be the key of a Person, "Person:<pk>", not "Ticket:1" against model Ticket',
    );
    expect(refusalOf(Ticket, '{"personId": "Person:a", "ownerId": "Person:"}')).toContain('field "ownerId" must be the key of a Person');
    expect(refusalOf(Ticket, '{"personId": 7, "ownerId": null}')).toContain(
      'field "personId" Invalid input: expected string, received number',
    );
  });
});

describe('models whose read result only zod produces are read with zod in full', () => {
  it('a strict object refuses an unknown key', () => {
    const StrictShape = defineModel('StrictShape', z.strictObject({ name: z.string() }));
    expect(refusalOf(StrictShape, '{"name": "a", "other": 1}')).toContain('against model StrictShape');
  });

  it('a rewriting check such as trim() applies', () => {
    const Trimmed = defineModel('Trimmed', z.object({ name: z.string().trim() }));
    expect(read(Trimmed, '{"name": "  a  "}')).toEqual({ name: 'a' });
  });

  it('a readonly object comes back frozen', () => {
    const Frozen = defineModel('Frozen', z.object({ inner: z.object({ a: z.string() }).readonly() }));
    expect(Object.isFrozen(read(Frozen, '{"inner": {"a": "x"}}').inner)).toBe(true);
  });
});

describe('against zod on models without refinements', () => {
  // Without refinements, zod in full and the structural check hold the same rules: on any document
  // they must agree on whether it reads, on the value it reads as, and on the field a refusal names.
  const INFINITY = '"@inf"';
  const scalar = fc.constantFrom<unknown>(
    null,
    '',
    'RED',
    'PURPLE',
    '2024-01-02T03:04:05.678Z',
    'not a date',
    0,
    -0.5,
    1.5,
    7,
    2147483647,
    2147483648,
    -2147483649,
    9007199254740991,
    9007199254740992,
    true,
    false,
    '@inf',
    [],
    {},
  );
  const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: scalar, weight: 6 },
      { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
      {
        arbitrary: fc.dictionary(fc.constantFrom('label', 'at', 'lat', 'lng', 'city', 'geo', 'x'), tie('value'), { maxKeys: 4 }),
        weight: 1,
      },
    ),
  })).value;
  const soundDocument = fc.constant(textOf({}));
  // Mostly one change to a sound document, so that each rule is met alone; now and then a field left out.
  const mutated = fc
    .tuple(
      fc.option(fc.constantFrom(...Object.keys(sound)), { freq: 5 }),
      fc.dictionary(fc.constantFrom(...Object.keys(sound), 'nickname', 'extra'), json, { minKeys: 1, maxKeys: 2 }),
    )
    .map(([dropped, changes]) => {
      const value: Record<string, unknown> = { ...sound, ...changes };
      if (dropped !== null) delete value[dropped];
      return JSON.stringify(value).replaceAll(INFINITY, '1e400');
    });
  const outcome = (decode: () => unknown) => {
    try {
      return { value: decode() };
    } catch (error) {
      return { code: (error as { code?: string }).code, field: /field "([^"]*)"/.exec((error as Error).message)?.[1] };
    }
  };

  it('agrees with zod in full on every document', () => {
    const seen = { read: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          soundDocument,
          mutated,
          json.map((value) => JSON.stringify(value ?? null).replaceAll(INFINITY, '1e400')),
        ),
        (text) => {
          const structural = outcome(() => decodeDocument(Kinds, 'Kinds:k', text));
          const full = outcome(() => decodeAndValidateDocument(Kinds, 'Kinds:k', text));
          expect(structural).toStrictEqual(full);
        },
      ),
      { numRuns: 4000 },
    );
  });
});
