import { wrongModel } from '../errors.js';
import type { Update } from '../model/apply-update.js';
import type { Condition } from '../model/conditions.js';
import { inputMemberName } from '../model/generated-names.js';
import type { ResolvedKey } from '../model/registry.js';
import type { LockResult } from '../store/apply-steps.js';
import { leaseFromToken, type Lease } from '../store/locks.js';
import type { Builder } from './builder.js';
import type { ModelInterfaceRef } from './model-types.js';
import { withGraphQLErrors } from './to-graphql-error.js';
import { toUpdate } from './update-inputs.js';
import { WRITE_CONCERN_ARG, writeConcernEnum } from './write-concern-arg.js';

type OneOf = Record<string, Record<string, unknown> | null | undefined> | null | undefined;

/** The member of a `@oneOf` input set for the key's model; WRONG_MODEL when another model's is. */
function memberFor(target: ResolvedKey, input: OneOf): Record<string, unknown> | null {
  if (!input) return null;
  const [member, value] = Object.entries(input).find(([, given]) => given != null) ?? [];
  if (member === undefined || !value) return null;
  const expected = inputMemberName(target.model.name);
  if (member !== expected) throw wrongModel(target.key, target.model.name, `the member "${member}"`, `use the member "${expected}"`);
  return value;
}

const conditionFor = (target: ResolvedKey, input: OneOf) => memberFor(target, input) as Condition | null;
const updateFor = (target: ResolvedKey, input: OneOf): Update | null => {
  const member = memberFor(target, input);
  return member ? toUpdate(target.model, member as Record<string, Record<string, unknown>>) : null;
};

/** `withLock`, `withLocks`, and the lock session for servers: `acquireLock`, `extendLock`, `releaseLock`. */
export function addLockMutations(builder: Builder, modelInterface: ModelInterfaceRef, modelCondition: unknown, modelUpdate: unknown) {
  const writeConcern = () => ({ type: writeConcernEnum(builder), description: WRITE_CONCERN_ARG });
  const lockResult = builder.objectRef<LockResult>('LockResult').implement({
    fields: (t) => ({
      key: t.id({ resolve: (result) => result.key }),
      applied: t.exposeBoolean('applied', { description: 'Every condition held and the update was saved.' }),
      model: t.field({
        type: modelInterface,
        nullable: true,
        description: 'As saved; as it stands when not applied; as it would be in a dry run; null when the key is missing.',
        resolve: (result) => result.model,
      }),
      fencingToken: t.string({
        nullable: true,
        description:
          'A decimal integer that grows with every lock acquisition, also across a failover: hand it to systems that must refuse stale holders.',
        resolve: (result) => result.fencingToken,
      }),
    }),
  });
  const lockLease = builder.objectRef<Lease & { model?: LockResult['model'] }>('LockLease').implement({
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Opaque; pass it to extendLock and releaseLock.' }),
      key: t.id({ resolve: (lease) => lease.key }),
      action: t.exposeString('action'),
      fencingToken: t.exposeString('fencingToken'),
      expiresAt: t.field({
        type: 'DateTime',
        description: "When the lease runs out, by the Redis server's clock.",
        resolve: (lease) => lease.expiresAt,
      }),
      model: t.field({
        type: modelInterface,
        nullable: true,
        description: 'The model when the lock was taken (null when missing; null from extendLock).',
        resolve: (lease) => lease.model ?? null,
      }),
    }),
  });
  const lockStep = builder.inputType('LockStep', {
    fields: (t) => ({
      key: t.id({ required: true }),
      when: t.field({ type: modelCondition as never }),
      update: t.field({ type: modelUpdate as never }),
    }),
  });

  builder.mutationField('withLock', (t) =>
    t.field({
      type: lockResult,
      description:
        'Locks (key, action), reloads the model, checks `when`, applies `update`, saves it unless `saveAtEnd` is false, and releases the lock, always.',
      args: {
        key: t.arg.id({ required: true }),
        action: t.arg.string({ defaultValue: 'default' }),
        when: t.arg({ type: modelCondition as never }),
        update: t.arg({ type: modelUpdate as never }),
        saveAtEnd: t.arg.boolean({ defaultValue: true }),
        leaseMs: t.arg.int(),
        timeoutMs: t.arg.int(),
        writeConcern: t.arg(writeConcern()),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) => {
        const target = session.registry.resolveKey(String(args.key));
        return session.withLock(target.key, args.action ?? 'default', {
          when: conditionFor(target, args.when as OneOf),
          update: updateFor(target, args.update as OneOf),
          saveAtEnd: args.saveAtEnd ?? true,
          leaseMs: args.leaseMs ?? undefined,
          timeoutMs: args.timeoutMs ?? undefined,
          writeConcern: args.writeConcern ?? undefined,
        });
      }),
    }),
  );

  builder.mutationField('withLocks', (t) =>
    t.field({
      type: [lockResult],
      description:
        'Locks every key under one action in a global order, checks every condition, then saves every update in one atomic step, or none.',
      args: {
        action: t.arg.string({ defaultValue: 'default' }),
        steps: t.arg({ type: [lockStep], required: true }),
        leaseMs: t.arg.int(),
        timeoutMs: t.arg.int({ description: 'For all the locks together.' }),
        writeConcern: t.arg(writeConcern()),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) => {
        const steps = args.steps.map((step) => {
          const target = session.registry.resolveKey(String(step.key));
          return { key: target.key, when: conditionFor(target, step.when as OneOf), update: updateFor(target, step.update as OneOf) };
        });
        return session.withLocks(args.action ?? 'default', steps, {
          leaseMs: args.leaseMs ?? undefined,
          timeoutMs: args.timeoutMs ?? undefined,
          writeConcern: args.writeConcern ?? undefined,
        });
      }),
    }),
  );

  builder.mutationField('acquireLock', (t) =>
    t.field({
      type: lockLease,
      description: 'Takes the lock for a server that runs its own logic meanwhile; a missing key is granted with model null.',
      args: {
        key: t.arg.id({ required: true }),
        action: t.arg.string({ defaultValue: 'default' }),
        leaseMs: t.arg.int(),
        timeoutMs: t.arg.int(),
        writeConcern: t.arg(writeConcern()),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) => {
        const { lease, model } = await session.acquireLock(String(args.key), args.action ?? 'default', {
          leaseMs: args.leaseMs ?? undefined,
          timeoutMs: args.timeoutMs ?? undefined,
          writeConcern: args.writeConcern ?? undefined,
        });
        return { ...lease, model };
      }),
    }),
  );

  builder.mutationField('extendLock', (t) =>
    t.field({
      type: lockLease,
      description: 'Sets the lease to `leaseMs` from now, while the lock is still held; LOCK_LOST otherwise.',
      args: { token: t.arg.string({ required: true }), leaseMs: t.arg.int({ required: true }) },
      resolve: withGraphQLErrors(async (_root, args, { session }) => session.extendLock(args.token, args.leaseMs)),
    }),
  );

  builder.mutationField('releaseLock', (t) =>
    t.field({
      type: lockResult,
      description: 'Saves `update` while the lease holds (LOCK_LOST otherwise, nothing written) and lets the lock go.',
      args: {
        token: t.arg.string({ required: true }),
        update: t.arg({ type: modelUpdate as never }),
        saveAtEnd: t.arg.boolean({ defaultValue: true }),
        writeConcern: t.arg(writeConcern()),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) => {
        const target = session.registry.resolveKey(leaseFromToken(session.keyspace, args.token).key);
        return session.releaseLock(args.token, {
          update: () => updateFor(target, args.update as OneOf),
          saveAtEnd: args.saveAtEnd ?? true,
          writeConcern: args.writeConcern ?? undefined,
        });
      }),
    }),
  );
}
