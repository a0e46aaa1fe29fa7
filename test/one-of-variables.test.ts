import { getNamedType, isInputObjectType, isObjectType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway();
});
beforeEach(() => t.redis.flush());
afterAll(() => t.close());

const storedKeys = async () => (await t.redis.keys()).filter((key) => !key.startsWith('rmg:')).sort();
const alice = { pk: 'alice', name: 'Alice', age: 30, email: 'alice@example.com', balance: 100 };

/** Every place a @oneOf input is used, as `Type.field(argument)` or `InputType.field`. */
function oneOfPositions(schema: GraphQLSchema): string[] {
  const isOneOf = (type: Parameters<typeof getNamedType>[0]) => {
    const named = getNamedType(type);
    return isInputObjectType(named) && named.isOneOf;
  };
  const positions: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type))
      for (const field of Object.values(type.getFields()))
        for (const arg of field.args) if (isOneOf(arg.type)) positions.push(`${type.name}.${field.name}(${arg.name})`);
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields())) if (isOneOf(field.type)) positions.push(`${type.name}.${field.name}`);
  }
  return positions.sort();
}

/** At each position, an operation whose @oneOf member is a nullable variable `$m`. */
const nullableMember: Record<string, string> = {
  'Mutation.insertMany(models)': 'mutation($m: UserInput) { insertMany(models: [{ user: $m }]) { key } }',
  'Mutation.withLock(when)': 'mutation($m: UserCondition) { withLock(key: "User:alice", when: { user: $m }) { applied } }',
  'Mutation.withLock(update)': 'mutation($m: UserUpdate) { withLock(key: "User:alice", update: { user: $m }) { applied } }',
  'Mutation.releaseLock(update)': 'mutation($m: UserUpdate) { releaseLock(token: "t", update: { user: $m }) { applied } }',
  'LockStep.when': 'mutation($m: UserCondition) { withLocks(steps: [{ key: "User:alice", when: { user: $m } }]) { applied } }',
  'LockStep.update': 'mutation($m: UserUpdate) { withLocks(steps: [{ key: "User:alice", update: { user: $m } }]) { applied } }',
};

describe('a nullable variable as a @oneOf member', () => {
  it('is listed here for every @oneOf position of the schema', () => {
    expect(oneOfPositions(t.gateway.schema)).toEqual(Object.keys(nullableMember).sort());
  });

  it.each(Object.entries(nullableMember))(
    'is a validation error at %s, once, naming the variable and the input',
    async (_position, query) => {
      await t.execute(
        'mutation { insertMany(models: [{ user: { pk: "alice", name: "Alice", age: 30, email: "a@example.com" } }]) { key } }',
      );
      const { data, errors } = await t.execute(query, { m: null });
      expect(data).toBeUndefined();
      expect(errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(errors?.[0]?.message).toMatch(
        /^Variable "\$m" is of type "User(Input|Condition|Update)" but must be non-nullable to be used for OneOf Input Object "Model(Input|Condition|Update)"\.$/,
      );
    },
  );

  it('is refused before anything is written, whatever value the variable has', async () => {
    const query = 'mutation($u: UserInput) { insertMany(models: [{ user: $u }]) { key } }';
    for (const u of [alice, null]) {
      const { errors } = await t.execute(query, { u });
      expect(errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect(await storedKeys()).toEqual([]);
  });

  it('is refused as a single value coerced to a list, and inside a fragment', async () => {
    const single = await t.execute('mutation($u: UserInput) { insertMany(models: { user: $u }) { key } }', { u: alice });
    const inFragment = await t.execute(
      'mutation Insert($u: UserInput) { ...Insert } fragment Insert on Mutation { insertMany(models: [{ user: $u }]) { key } }',
      { u: alice },
    );
    for (const { errors } of [single, inFragment]) {
      expect(errors?.map((error) => [error.extensions?.code, error.message.slice(0, 30)])).toEqual([
        ['GRAPHQL_VALIDATION_FAILED', 'Variable "$u" is of type "User'],
      ]);
    }
    expect(await storedKeys()).toEqual([]);
  });

  it('is accepted when the variable is non-null, and a whole list of members can be one variable', async () => {
    const member = await t.execute('mutation($u: UserInput!) { insertMany(models: [{ user: $u }]) { key } }', { u: alice });
    expect(member).toMatchObject({ data: { insertMany: [{ key: 'User:alice' }] }, errors: undefined });
    const list = await t.execute('mutation($m: [ModelInput!]!) { insertMany(models: $m) { key } }', {
      m: [{ user: { ...alice, pk: 'bob' } }],
    });
    expect(list).toMatchObject({ data: { insertMany: [{ key: 'User:bob' }] }, errors: undefined });
    // A list item may be a variable of the @oneOf type itself: it is an item, not a member.
    const item = await t.execute('mutation($i: ModelInput!) { insertMany(models: [$i]) { key } }', {
      i: { user: { ...alice, pk: 'carol' } },
    });
    expect(item).toMatchObject({ data: { insertMany: [{ key: 'User:carol' }] }, errors: undefined });
  });
});
