import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, defineModel } from '../src/index.js';
import { graphqlTypeText } from '../src/schema/model-info.js';
import { refusal } from './helpers/gateway-error.js';

const fieldType = (schema: z.ZodType) => {
  const [field] = defineModel('Probe', z.object({ value: schema })).fields;
  return field ? graphqlTypeText(field.type, field.nullable) : undefined;
};

describe('defineModel maps zod types to GraphQL types', () => {
  it.each([
    [z.string(), 'String!'],
    [z.email(), 'String!'],
    [z.int32(), 'Int!'],
    [z.int().min(0).max(1000), 'Int!'],
    [z.int(), 'SafeInt!'],
    [z.number().int().min(0), 'SafeInt!'],
    [z.number(), 'Float!'],
    [z.boolean(), 'Boolean!'],
    [z.date(), 'DateTime!'],
    [z.enum(['A', 'B']), 'ProbeValue!'],
    [z.array(z.string()), '[String!]!'],
    [z.array(z.int32().nullable()), '[Int]!'],
    [z.record(z.string(), z.number()), 'JSON!'],
    [z.object({ x: z.string() }), 'ProbeValue!'],
    [z.string().optional(), 'String'],
    [z.string().nullable(), 'String'],
    [z.number().default(3), 'Float!'],
  ])('maps %o to %s', (schema, expected) => {
    expect(fieldType(schema)).toBe(expected);
  });

  it.each([
    ['bigint', z.bigint()],
    ['a union', z.union([z.string(), z.number()])],
    ['a transform', z.string().transform((value) => value.length)],
    ['a list of lists', z.array(z.array(z.string()))],
    ['a record with number keys', z.record(z.number(), z.string())],
    ['a date inside a record', z.record(z.string(), z.date())],
  ])('refuses %s, naming model and field', (_what, schema) => {
    const { code, message } = refusal(() => defineModel('Probe', z.object({ value: schema })));
    expect(code).toBe('INVALID_MODEL_DEFINITION');
    expect(message).toContain('Probe.value');
  });
});

describe('defineModel checks names and options', () => {
  it.each(['user', '1User', 'User-Name', 'User:Name', ''])('refuses the model name %o', (name) => {
    expect(refusal(() => defineModel(name, z.object({})))).toMatchObject({ code: 'INVALID_MODEL_DEFINITION' });
  });

  it.each(['id', 'key', 'pk', 'ttl', '__secret'])('refuses the field name %s', (name) => {
    const { message } = refusal(() => defineModel('Thing', z.object({ [name]: z.string() })));
    expect(message).toContain(name);
  });

  it.each([0, -5, 1.5, 2 ** 31])('refuses ttl %s', (ttl) => {
    expect(refusal(() => defineModel('Thing', z.object({}), { ttl }))).toMatchObject({ code: 'INVALID_MODEL_DEFINITION' });
  });

  it('refuses a key field that is optional, nullable, missing or not a string or integer', () => {
    for (const shape of [{ sku: z.string().optional() }, { sku: z.string().nullable() }, { sku: z.boolean() }, { other: z.string() }]) {
      expect(refusal(() => defineModel('Thing', z.object(shape), { key: 'sku' as never }))).toMatchObject({
        code: 'INVALID_MODEL_DEFINITION',
      });
    }
  });
});

describe('createRegistry refuses generated names that collide', () => {
  const model = (name: string, shape: z.ZodRawShape = {}) => defineModel(name, z.object(shape));

  it.each([
    'Model',
    'AnyModel',
    'ModelInfo',
    'ModelInput',
    'Node',
    'PageInfo',
    'DeleteResult',
    'DateTime',
    'SafeInt',
    'JSON',
    'String',
    'Query',
    'LockLease',
    'Lock',
  ])('refuses a model named %s, a name of the gateway', (name) => {
    expect(refusal(() => createRegistry([model(name)]))).toMatchObject({ code: 'INVALID_MODEL_DEFINITION' });
  });

  it.each([
    ['a model named like another model input type', ['User', 'UserInput']],
    ['a model named like another model connection type', ['User', 'UserConnection']],
    ['a model named like another model nested object type', ['UserAddress', 'User']],
    ['a model whose list field collides with another model delete field', ['User', 'AllUser']],
  ])('refuses %s', (_what, names) => {
    const models = names.map((name) => (name === 'User' ? model(name, { address: z.object({ city: z.string() }) }) : model(name)));
    const { message } = refusal(() => createRegistry(models));
    expect(message).toMatch(/generates the (type|root field)/);
  });

  it('names the model and the owner of the name it takes, once each', () => {
    expect(refusal(() => createRegistry([model('Model')])).message).toBe(
      'Model "Model" generates the type "Model", which the gateway already defines. Rename the model or field.',
    );
    expect(refusal(() => createRegistry([model('User'), model('UserInput')])).message).toBe(
      'Model "UserInput" generates the type "UserInput", which model "User" already defines. Rename the model or field.',
    );
  });

  it('refuses the same model twice', () => {
    const user = model('User');
    expect(refusal(() => createRegistry([user, user])).message).toContain('twice');
  });

  it('accepts distinct models', () => {
    expect(createRegistry([model('User'), model('Product')]).models.map((each) => each.name)).toEqual(['User', 'Product']);
  });
});
