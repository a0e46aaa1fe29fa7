import type { Cluster, Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createGateway,
  createStore,
  defineModel,
  ref,
  type Draft,
  type ModelDefinition,
  type ModelInstance,
  type Store,
} from '../src/index.js';
import type { DeleteResult } from '../src/store/delete-documents.js';

/*
 * Type tests: vitest checks this file with tsc and never runs it, so `store` below only needs a type.
 */

const userSchema = z.object({
  name: z.string(),
  balance: z.int().default(0),
  nickname: z.string().optional(),
  deletedAt: z.date().nullable(),
  role: z.enum(['ADMIN', 'MEMBER']).default('MEMBER'),
  tags: z.array(z.string()),
  address: z.object({ city: z.string(), zip: z.int32().optional() }),
});
const User = defineModel('User', userSchema);
const Item = defineModel('Item', z.object({ sku: z.string(), title: z.string() }), { key: 'sku' });

declare const store: Store;
declare const redis: Redis;
declare const cluster: Cluster;

type UserValue = {
  name: string;
  balance: number;
  nickname?: string | undefined;
  deletedAt: Date | null;
  role: 'ADMIN' | 'MEMBER';
  tags: string[];
  address: { city: string; zip?: number | undefined };
};

describe('defineModel', () => {
  it('returns a ModelDefinition of the schema it was given', () => {
    expectTypeOf(User).toEqualTypeOf<ModelDefinition<typeof userSchema>>();
    expectTypeOf(User.schema).toEqualTypeOf<typeof userSchema>();
  });

  it("infers the draft's value type from the zod schema, with defaults filled in", () => {
    const draft = User.create({ name: 'Alice', deletedAt: null, tags: [], address: { city: 'Paris' } });
    expectTypeOf(draft).toEqualTypeOf<Draft<typeof userSchema>>();
    expectTypeOf(draft.value).toEqualTypeOf<UserValue>();
    expectTypeOf(draft.value.name).toEqualTypeOf<string>();
    expectTypeOf(draft.value.balance).toEqualTypeOf<number>();
    expectTypeOf(draft.key).toEqualTypeOf<string>();
    expectTypeOf(draft.pk).toEqualTypeOf<string>();
  });

  it('takes the input type in create, where defaulted and optional fields may be left out', () => {
    expectTypeOf(User.create).parameter(0).toEqualTypeOf<{
      name: string;
      balance?: number | undefined;
      nickname?: string | undefined;
      deletedAt: Date | null;
      role?: 'ADMIN' | 'MEMBER' | undefined;
      tags: string[];
      address: { city: string; zip?: number | undefined };
    }>();
    expectTypeOf(User.create).parameter(1).toEqualTypeOf<{ pk?: string } | undefined>();
  });

  it('rejects input of the wrong type or shape in create', () => {
    // @ts-expect-error balance is a number
    User.create({ name: 'Alice', balance: '100', deletedAt: null, tags: [], address: { city: 'Paris' } });
    // @ts-expect-error name is required
    User.create({ deletedAt: null, tags: [], address: { city: 'Paris' } });
    // @ts-expect-error role is one of the enum's values
    User.create({ name: 'Alice', role: 'OWNER', deletedAt: null, tags: [], address: { city: 'Paris' } });
    // @ts-expect-error address.zip is a number
    User.create({ name: 'Alice', deletedAt: null, tags: [], address: { city: 'Paris', zip: '75001' } });
  });

  it('accepts as key field only a field of the schema', () => {
    expectTypeOf(Item.keyField).toEqualTypeOf<string | null>();
    // @ts-expect-error "id" is no field of the schema
    defineModel('Thing', z.object({ sku: z.string() }), { key: 'id' });
  });
});

describe('Store', () => {
  it('resolves get(Model, pk) to a typed instance or null', () => {
    const instance = store.get(User, 'alice');
    expectTypeOf(instance).resolves.toEqualTypeOf<ModelInstance<typeof userSchema> | null>();
    expectTypeOf<NonNullable<Awaited<typeof instance>>['value']>().toEqualTypeOf<UserValue>();
  });

  it('resolves get(key) to an untyped instance or null', () => {
    expectTypeOf(store.get('User:alice')).resolves.toEqualTypeOf<ModelInstance | null>();
  });

  it('resolves find(keys) to a list of untyped instances', () => {
    expectTypeOf(store.find(['User:alice'], { skipMissing: true })).resolves.toEqualTypeOf<ModelInstance[]>();
  });

  it('takes drafts of several models in one insert', () => {
    const drafts = [
      User.create({ name: 'Alice', deletedAt: null, tags: [], address: { city: 'Paris' } }),
      Item.create({ sku: 'A-1', title: 'Anvil' }),
    ];
    expectTypeOf(store.insert(drafts, { onConflict: 'FAIL' })).resolves.toEqualTypeOf<ModelInstance[]>();
    // @ts-expect-error onConflict is OVERWRITE or FAIL
    void store.insert(drafts, { onConflict: 'IGNORE' });
  });

  it('takes an atomicity of ALL or PER_SLOT and a write id on an insert and a delete by key', () => {
    const drafts = [Item.create({ sku: 'A-1', title: 'Anvil' })];
    expectTypeOf(store.insert(drafts, { atomicity: 'PER_SLOT', writeId: 'import-7' })).resolves.toEqualTypeOf<ModelInstance[]>();
    expectTypeOf(store.session().deleteMany(['Item:A-1'], { atomicity: 'ALL', writeId: 'w' })).resolves.toEqualTypeOf<DeleteResult>();
    // @ts-expect-error atomicity is ALL or PER_SLOT
    void store.insert(drafts, { atomicity: 'PER_NODE' });
  });
});

describe('ref', () => {
  it('is a string in the input and the stored value, optional when wrapped', () => {
    const Order = defineModel('Order', z.object({ userId: ref(User), reviewerId: ref('User').optional() }));
    expectTypeOf(Order.create({ userId: 'User:alice' }).value).toEqualTypeOf<{ userId: string; reviewerId?: string | undefined }>();
    // @ts-expect-error a reference holds a key string
    Order.create({ userId: 7 });
  });

  it('refers to its own model through a function with a declared return type', () => {
    const Person = defineModel('Person', z.object({ managerId: ref((): ModelDefinition => Person).optional() }));
    expectTypeOf(Person.create({}).value.managerId).toEqualTypeOf<string | undefined>();
  });
});

describe('the Redis client', () => {
  it('is one Redis or a Cluster, and the gateway hands back the type it was given or made', () => {
    expectTypeOf(createGateway({ models: [User], redis: 'redis://127.0.0.1' }).redis).toEqualTypeOf<Redis>();
    expectTypeOf(createGateway({ models: [User], redis }).redis).toEqualTypeOf<Redis>();
    expectTypeOf(createGateway({ models: [User], redis: cluster }).redis).toEqualTypeOf<Cluster>();
    expectTypeOf(createStore({ models: [User], redis: cluster })).toEqualTypeOf<Store>();
    expectTypeOf(createGateway({ models: [User], redis: { cluster: ['10.0.0.5:7000'] } }).redis).toEqualTypeOf<Cluster>();
    // @ts-expect-error a client, or a URL
    createGateway({ models: [User], redis: 6379 });
    // @ts-expect-error cluster nodes are a list of host:port
    createGateway({ models: [User], redis: { cluster: '10.0.0.5:7000' } });
  });
});
