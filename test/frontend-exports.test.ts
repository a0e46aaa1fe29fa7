import { isScalarType, specifiedScalarTypes } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildSchema, codegenScalars, createRegistry, defineModel, possibleTypes } from '../src/index.js';
import { models as shopModels } from '../examples/shop.js';

describe('possibleTypes', () => {
  it('lists the models under Model, Node and AnyModel, sorted, and nothing else', () => {
    const models = ['Order', 'Product', 'User'];
    expect(possibleTypes(buildSchema(createRegistry(shopModels)))).toEqual({ AnyModel: models, Model: models, Node: models });
  });

  it('is empty of models for an empty registry, in either mode', () => {
    for (const relay of [false, true]) expect(possibleTypes(buildSchema(createRegistry([]), { relay }))).toEqual({ Model: [], Node: [] });
  });
});

describe('codegenScalars', () => {
  it('maps every custom scalar a schema can have, records included', () => {
    const Everything = defineModel(
      'Everything',
      z.object({ at: z.date(), big: z.int(), small: z.int32(), extra: z.record(z.string(), z.number()), note: z.string() }),
    );
    const schema = buildSchema(createRegistry([...shopModels, Everything]));
    const builtIn = new Set(specifiedScalarTypes.map((type) => type.name));
    const custom = Object.values(schema.getTypeMap()).filter((type) => isScalarType(type) && !builtIn.has(type.name));
    expect(custom.map((type) => type.name).sort()).toEqual(Object.keys(codegenScalars).sort());
    expect(codegenScalars).toEqual({ DateTime: 'string', SafeInt: 'number', JSON: 'Record<string, unknown>' });
  });
});
