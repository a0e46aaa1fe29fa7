import fc from 'fast-check';
import { parse, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { describe, expect, it } from 'vitest';
import { models } from '../examples/shop.js';
import { variablesCoercer } from '../src/execution/variable-values.js';
import { createRegistry } from '../src/model/registry.js';
import { buildSchema } from '../src/schema/build-schema.js';

/*
 * A compiled run takes the variables of a `nodes` request as given when graphql-js would coerce them
 * unchanged; for any input it must answer graphql-js's coerced values, or fail where graphql-js fails.
 */

const schema = buildSchema(createRegistry(models));
const definitionsOf = (query: string) => (parse(query).definitions[0] as OperationDefinitionNode).variableDefinitions ?? [];

const item = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.oneof(item, fc.array(item, { maxLength: 4 }), fc.array(fc.string(), { maxLength: 4 }), fc.dictionary(fc.string(), item));
/** Inputs of any shape, and inputs of the declared types, some of them left out, where the shortcut applies. */
const inputs = fc.oneof(
  fc.dictionary(fc.constantFrom('k', 'keys', 'b', 'other'), value),
  fc.record({ k: fc.string(), keys: fc.array(fc.string(), { maxLength: 4 }), b: fc.boolean() }, { requiredKeys: [] }),
);

describe('variables are coerced as graphql-js coerces them', () => {
  it.each([
    'query($k: ID!, $keys: [ID!]!, $b: Boolean!) { __typename }',
    'query($keys: [ID!]!) { __typename }',
    'query($keys: [ID!]! = ["User:u1"], $b: Boolean! = true) { __typename }',
    'query($k: ID, $keys: [ID!]) { __typename }',
    'query { __typename }',
  ])('%s', (query) => {
    const definitions = definitionsOf(query);
    const coerce = variablesCoercer(schema, definitions);
    fc.assert(
      fc.property(inputs, (given) => {
        const expected = getVariableValues(schema, definitions, given);
        expect(coerce(given)).toEqual(expected.errors ? null : expected.coerced);
      }),
      { numRuns: 1000 },
    );
  });
});
