import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildSchema, createRegistry, defineModel, ref, type ModelDefinition } from '../src/index.js';
import { gatewayError, refusal } from './helpers/gateway-error.js';

const User = defineModel('User', z.object({ name: z.string() }));

describe('ref() declares a field holding the key of another model', () => {
  const Order = defineModel('Order', z.object({ userId: ref(User), note: z.string().optional() }));

  it('accepts a key of the target model, stored as the key string', () => {
    expect(Order.create({ userId: 'User:alice' }).value).toEqual({ userId: 'User:alice' });
  });

  it.each([
    ['a key of another model', 'Product:book'],
    ['a bare pk', 'alice'],
    ['a key with an empty pk', 'User:'],
    ['another prefix that starts like the model', 'Users:alice'],
  ])('refuses %s with VALIDATION_FAILED naming the field and the model it wants', async (_what, value) => {
    const error = await gatewayError(() => Order.create({ userId: value }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ model: 'Order', field: 'userId' });
    expect(error.message).toBe(`Order.userId is invalid: must be the key of a User, "User:<pk>", not ${JSON.stringify(value)}.`);
  });

  it('cuts a long value in the message to 80 characters', async () => {
    const error = await gatewayError(() => Order.create({ userId: `Product:${'x'.repeat(500)}` }));
    expect(error.message).toBe(`Order.userId is invalid: must be the key of a User, "User:<pk>", not "Product:${'x'.repeat(68)}....`);
  });

  it('stays a reference when wrapped or given more checks', () => {
    const Note = defineModel(
      'Note',
      z.object({ authorId: ref(User).optional(), editorKey: ref(User).min(6).nullable(), reviewerId: ref(User).default('User:x') }),
    );
    expect(Note.references.map(({ field, as }) => [field, as])).toEqual([
      ['authorId', 'author'],
      ['editorKey', 'editor'],
      ['reviewerId', 'reviewer'],
    ]);
    expect(Note.create({ editorKey: null }).value).toEqual({ editorKey: null, reviewerId: 'User:x' });
  });

  it('is a String field for GraphQL, indexes and filters', () => {
    expect(Order.fields[0]?.type.kind).toBe('string');
    const Indexed = defineModel('Indexed', z.object({ userId: ref(User) }), { index: ['userId'] });
    expect(Indexed.indexed.map((field) => field.name)).toEqual(['userId']);
  });
});

describe('the resolved field takes its name from the reference field', () => {
  it('uses the name without its Id or Key suffix, or the name given with as', () => {
    const Order = defineModel(
      'Order',
      z.object({ buyerId: ref(User), sellerKey: ref(User), payer: ref(User, { as: 'payingUser' }), Id: z.string() }),
    );
    expect(Order.references.map(({ field, as }) => [field, as])).toEqual([
      ['buyerId', 'buyer'],
      ['sellerKey', 'seller'],
      ['payer', 'payingUser'],
    ]);
  });

  it('refuses a reference whose name has no suffix and no as, saying how to name it', () => {
    const { code, message } = refusal(() => defineModel('Order', z.object({ buyer: ref(User) })));
    expect(code).toBe('INVALID_MODEL_DEFINITION');
    expect(message).toBe(
      `Field "Order.buyer" is a reference, and its resolved field needs a name: end the field's name in "Id" or "Key" (buyerId gives buyer), or pass ref(target, { as: '<name>' }).`,
    );
  });

  it.each([
    ['another field', { userId: ref(User), user: z.string() }, 'field "user" of Order already is'],
    ['another reference', { userId: ref(User), userKey: ref(User) }, 'field "userId" of Order already resolves as'],
    ['a name every model type has', { keyId: ref(User) }, 'every model type has'],
    ['the id clients normalize by', { idKey: ref(User) }, 'every model type has'],
  ])('refuses a resolved name that collides with %s', (_what, shape, says) => {
    const { code, message } = refusal(() => defineModel('Order', z.object(shape)));
    expect(code).toBe('INVALID_MODEL_DEFINITION');
    expect(message).toContain(says);
  });

  it('refuses an as that GraphQL cannot use', () => {
    expect(refusal(() => defineModel('Order', z.object({ userId: ref(User, { as: 'the user' }) }))).message).toContain('"the user"');
  });

  it.each([
    ['in a list', { userIds: z.array(ref(User)) }, 'Order.userIds[]'],
    ['in a nested object', { line: z.object({ productId: ref(User) }) }, 'Order.line.productId'],
  ])('refuses a reference %s, naming its path', (_what, shape, path) => {
    const { message } = refusal(() => defineModel('Order', z.object(shape)));
    expect(message).toContain(`Field "${path}" is a ref() inside a list or nested object`);
  });
});

describe('the registry checks that every reference points at a registered model', () => {
  it('refuses a target that is not registered, naming the field and the model', () => {
    const Order = defineModel('Order', z.object({ userId: ref(User) }));
    expect(refusal(() => createRegistry([Order]))).toEqual({
      code: 'INVALID_MODEL_DEFINITION',
      message: 'Field "Order.userId" refers to model "User", which is not registered; pass User with the other models.',
    });
  });

  it('refuses a target named by a string that no model has', () => {
    const Order = defineModel('Order', z.object({ userId: ref('Usr') }));
    expect(refusal(() => createRegistry([User, Order])).message).toContain('refers to model "Usr", which is not registered');
  });

  it('refuses a definition other than the registered one of that name', () => {
    const OtherUser = defineModel('User', z.object({ nick: z.string() }));
    const Order = defineModel('Order', z.object({ userId: ref(OtherUser) }));
    expect(refusal(() => createRegistry([User, Order])).message).toContain('other than the one registered under that name');
  });

  it('accepts a model referring to itself and to a model defined after it, through a function', () => {
    // Assigned after the model that refers to it, as a model defined later in a file would be.
    let Team: ModelDefinition;
    const Person = defineModel('Person', z.object({ managerId: ref((): ModelDefinition => Person).optional(), teamId: ref(() => Team) }));
    Team = defineModel('Team', z.object({ name: z.string() }));
    const registry = createRegistry([Person, Team]);
    expect(Person.create({ teamId: 'Team:core', managerId: 'Person:ann' }).value).toEqual({ teamId: 'Team:core', managerId: 'Person:ann' });
    expect(Person.create.bind(null, { teamId: 'Person:ann' })).toThrow('must be the key of a Team');
    expect(buildSchema(registry).getType('Person')?.toString()).toBe('Person');
  });

  it('refuses a function that throws, with what it threw', () => {
    const Order = defineModel(
      'Order',
      z.object({
        userId: ref(() => {
          throw new Error('Cannot access "Customer" before initialization');
        }),
      }),
    );
    expect(refusal(() => createRegistry([User, Order])).message).toBe(
      'Field "Order.userId" refers to a model through a function that threw (Cannot access "Customer" before initialization); it must return a model made by defineModel.',
    );
  });

  it('accepts a target named by a string once that model is registered', () => {
    const Order = defineModel('Order', z.object({ userId: ref('User') }));
    expect(createRegistry([Order, User]).models).toHaveLength(2);
  });
});

describe('the GraphQL schema serves the key and the resolved referent', () => {
  it('gives a model type its key field and a nullable field of the target type', () => {
    const Order = defineModel('Order', z.object({ userId: ref(User), reviewerKey: ref(User).optional() }));
    const fields = (
      buildSchema(createRegistry([User, Order])).getType('Order') as { getFields(): Record<string, { type: unknown }> }
    ).getFields();
    expect(String(fields.userId?.type)).toBe('String!');
    expect(String(fields.user?.type)).toBe('User');
    expect(String(fields.reviewerKey?.type)).toBe('String');
    expect(String(fields.reviewer?.type)).toBe('User');
  });
});
