import { badUserInput, GatewayError } from '../errors.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import { listFieldName } from '../model/generated-names.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import type { DeleteResult } from '../store/delete-documents.js';
import type { Edge, Page } from '../store/indexes/find-models.js';
import type { Builder, GatewayContext } from './builder.js';
import type { FilterInputs } from './condition-inputs.js';
import type { ModelInterfaceRef } from './model-types.js';
import { selectsField } from './selects-field.js';
import { toGraphQLError, withGraphQLErrors } from './to-graphql-error.js';
import { WRITE_ID_DESCRIPTION, type addWriteArguments } from './write-arguments.js';
import { WRITE_CONCERN_ARG, writeConcernEnum } from './write-concern-arg.js';

type ObjectRef = unknown;

/**
 * Per model: `all<Model>s` (a Relay connection over the indexes), `<Model>Where`, `<Model>OrderBy`,
 * `delete<Model>s(where)` and `deleteAll<Model>s(confirm)`; once: `PageInfo`, `OrderDirection`,
 * `DeleteResult`, `deleteMany(keys)` and `setTtl(key, seconds)`.
 */
export function addFinderFields(
  builder: Builder,
  registry: Registry,
  filters: FilterInputs,
  objectTypes: Map<string, ObjectRef>,
  modelInterface: ModelInterfaceRef,
  { atomicity }: ReturnType<typeof addWriteArguments>,
) {
  const pageInfo = builder.objectRef<Page['pageInfo']>('PageInfo').implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when `after` was given.' }),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });
  const direction = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });
  const deleteCount = builder.objectRef<{ model: string; count: number }>('DeleteCount').implement({
    fields: (t) => ({ model: t.exposeString('model'), count: t.exposeInt('count') }),
  });
  const deleteResult = builder.objectRef<DeleteResult>('DeleteResult').implement({
    fields: (t) => ({
      count: t.exposeInt('count', { description: 'Documents deleted; missing keys are not counted.' }),
      byModel: t.field({
        type: [deleteCount],
        resolve: (result) => Object.entries(result.byModel).map(([model, count]) => ({ model, count })),
      }),
    }),
  });

  for (const model of registry.models)
    addModelFinder(builder, model, filters, objectTypes.get(model.name), { pageInfo, direction, deleteResult });

  builder.mutationField('deleteMany', (t) =>
    t.field({
      type: deleteResult,
      description:
        'Deletes keys of any models, with their index entries, in one atomic step (with atomicity PER_SLOT, one per hash slot). A malformed or unknown key: its code, nothing deleted.',
      args: {
        keys: t.arg.idList({ required: true }),
        atomicity: t.arg({ type: atomicity, defaultValue: 'ALL' }),
        writeId: t.arg.string({ description: WRITE_ID_DESCRIPTION }),
        writeConcern: t.arg({ type: writeConcernEnum(builder), description: WRITE_CONCERN_ARG }),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) =>
        session.deleteMany(args.keys.map(String), {
          atomicity: args.atomicity ?? 'ALL',
          writeId: args.writeId ?? undefined,
          writeConcern: args.writeConcern ?? undefined,
        }),
      ),
    }),
  );
  builder.mutationField('setTtl', (t) =>
    t.field({
      type: modelInterface,
      nullable: true,
      description:
        "Sets the key to expire in `seconds`; null removes its TTL. The next refreshing read or write sets it back to the model's ttl.",
      args: { key: t.arg.id({ required: true }), seconds: t.arg.int() },
      resolve: withGraphQLErrors(async (_root, args, { session }) => session.setTtl(String(args.key), args.seconds ?? null)),
    }),
  );
}

interface Shared {
  pageInfo: unknown;
  direction: unknown;
  deleteResult: unknown;
}

function addModelFinder(builder: Builder, model: ModelDefinition, filters: FilterInputs, objectType: ObjectRef, shared: Shared) {
  const name = model.name;
  const where: unknown = builder.inputRef(`${name}Where`).implement({
    description: `Filters on the indexed fields of ${name}; every filter and combinator given must hold.`,
    fields: (t) => ({
      ...Object.fromEntries(model.indexed.map((field) => [field.name, t.field({ type: filters.for(field.type) as never })])),
      and: t.field({ type: [where] as never }),
      or: t.field({ type: [where] as never }),
      not: t.field({ type: where as never }),
    }),
  });
  const orderBy =
    model.indexed.length === 0
      ? null
      : builder.inputType(`${name}OrderBy`, {
          fields: (t) => ({
            field: t.field({
              type: builder.enumType(`${name}OrderField`, {
                values: model.indexed.map((field) => field.name) as [string, ...string[]],
              }) as never,
              required: true,
            }),
            direction: t.field({ type: shared.direction as never, defaultValue: 'ASC' as never }),
          }),
        });
  const edge = builder.objectRef<Edge>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({
        type: objectType,
        // Nullable so that a document that no longer decodes is null with CORRUPT_VALUE at its own edge.
        nullable: true,
        description: 'The instance; null with CORRUPT_VALUE at this path when its stored document no longer decodes.',
        resolve: (each: Edge) => {
          if (each.node === null) throw toGraphQLError(each.error);
          return each.node;
        },
      } as never),
    }),
  });
  const connection = builder.objectRef<Page>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [edge], resolve: (page) => page.edges }),
      pageInfo: t.field({ type: shared.pageInfo, resolve: (page: Page) => page.pageInfo } as never),
      totalCount: t.int({
        nullable: true,
        description: 'Every match, counted in the same script as the page; costs a pass over the matches.',
        resolve: (page) => page.totalCount,
      }),
    }),
  });

  builder.queryField(listFieldName(name), (t) =>
    t.field({
      type: connection,
      description: `${name}s: by keys (in key order), or by indexed filters, ordered by pk (creation order) or an indexed field, paged.`,
      args: {
        keys: t.arg.idList({ description: 'Full keys or bare pks; not with where.' }),
        skipMissing: t.arg.boolean({ defaultValue: false }),
        where: t.arg({ type: where as never }),
        ...(orderBy ? { orderBy: t.arg({ type: orderBy }) } : {}),
        first: t.arg.int({ defaultValue: 50 }),
        after: t.arg.string(),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }, info) => {
        const given = args as {
          keys?: Array<string | number> | null;
          skipMissing?: boolean | null;
          where?: Condition | null;
          orderBy?: { field: string; direction?: 'ASC' | 'DESC' } | null;
          first?: number | null;
          after?: string | null;
        };
        if (given.keys) {
          if (given.where) throw badUserInput(`${listFieldName(name)} takes keys or where, not both.`);
          const withTtl = selectsField(info, 'edges', 'node', 'ttl');
          return keysPage(
            await session.findSlotsByKeys(model, given.keys.map(String), { skipMissing: given.skipMissing ?? false, withTtl }),
          );
        }
        return session.findModels(model, {
          where: given.where,
          orderBy: given.orderBy,
          first: given.first ?? undefined,
          after: given.after,
          withTotalCount: selectsField(info, 'totalCount'),
        });
      }),
    }),
  );

  if (model.indexed.length === 0) return;
  builder.mutationField(`delete${name}s`, (t) =>
    t.field({
      type: shared.deleteResult,
      description: `Deletes every ${name} the where selects, in steps of limits.deleteStep instances, each all or nothing (see docs/finders.md). An empty where is refused: use deleteAll${name}s.`,
      args: { where: t.arg({ type: where as never, required: true }) },
      resolve: withGraphQLErrors(async (_root: unknown, args: { where: Condition }, { session }: GatewayContext) =>
        session.deleteWhere(model, args.where),
      ),
    } as never),
  );
  builder.mutationField(`deleteAll${name}s`, (t) =>
    t.field({
      type: shared.deleteResult,
      description: `Deletes every ${name}, in steps of limits.deleteStep instances, each all or nothing. confirm must be true.`,
      args: { confirm: t.arg.boolean({ required: true }) },
      resolve: withGraphQLErrors(async (_root: unknown, args: { confirm: boolean }, { session }: GatewayContext) => {
        if (!args.confirm) throw badUserInput(`deleteAll${name}s deletes every ${name}: pass confirm: true to mean it.`);
        return session.deleteAll(model);
      }),
    } as never),
  );
}

/** A connection over instances asked for by key: one page, in key order; a corrupt document is an edge with its error. */
function keysPage(slots: Array<ModelInstance | GatewayError>): Page {
  const edges = slots.map((slot, i): Edge => {
    const cursor = Buffer.from(`keys:${i}`).toString('base64url');
    return slot instanceof GatewayError ? { cursor, node: null, error: slot } : { cursor, node: slot };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: edges.length,
    work: 0,
  };
}
