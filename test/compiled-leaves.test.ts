import fc from 'fast-check';
import { GraphQLBoolean, GraphQLEnumType, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString, type GraphQLLeafType } from 'graphql';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import { leafText } from '../src/execution/leaf-text.js';
import { WriterSource } from '../src/execution/writer-source.js';

/*
 * A compiled plan writes leaves with shortcuts (a string between quotes, a number by `"" + x`). Each
 * must give exactly the text graphql-js's serialize and the response's JSON.stringify give together,
 * or fail where they fail; pure, no Redis.
 */

const writerOf = (type: GraphQLLeafType) => {
  const source = new WriterSource();
  return source.compile<(value: unknown) => string>(source.define('x', `return ${leafText(source, type, 'x')};`));
};

/** What graphql-js answers for a leaf value in a field of this type: its JSON text, or an error. */
const viaGraphqlJs = (type: GraphQLLeafType, value: unknown) => {
  try {
    const serialized = type.serialize(value);
    return serialized == null ? 'error' : (JSON.stringify(serialized) ?? 'error');
  } catch {
    return 'error';
  }
};

const written = (write: (value: unknown) => string, value: unknown) => {
  try {
    return write(value);
  } catch {
    return 'error';
  }
};

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 31, -(2 ** 31), 2 ** 53, 1e21, 5e-7, NaN, Infinity));
const anyLeaf = fc.oneof(anyString, fc.string({ unit: 'grapheme' }), anyNumber, fc.boolean(), fc.date({ noInvalidDate: false }));

const Level = new GraphQLEnumType({ name: 'Level', values: { LOW: { value: 'LOW' }, HIGH: { value: 'HIGH' } } });

describe('leaves are written as graphql-js serializes them and JSON.stringify writes them', () => {
  it.each([
    ['String', GraphQLString],
    ['ID', GraphQLID],
    ['Int', GraphQLInt],
    ['Float', GraphQLFloat],
    ['Boolean', GraphQLBoolean],
    ['an enum', Level],
    ['SafeInt', SafeIntResolver],
    ['DateTime', DateTimeResolver],
    ['JSON', JSONResolver],
  ] as Array<[string, GraphQLLeafType]>)('%s', (_name, type) => {
    const write = writerOf(type);
    fc.assert(
      fc.property(fc.oneof(anyLeaf, fc.constantFrom('LOW', 'HIGH')), (value) => {
        expect(written(write, value)).toBe(viaGraphqlJs(type, value));
      }),
      { numRuns: 2000 },
    );
  });
});
