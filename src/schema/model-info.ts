import type { FieldDescription, FieldType } from '../model/field-description.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { Builder } from './builder.js';
import { SCALAR_TYPE_NAMES } from './type-refs.js';
import { withGraphQLErrors } from './to-graphql-error.js';

/** The GraphQL type of a field as SDL text, e.g. `[String!]!`. */
export function graphqlTypeText(type: FieldType, nullable: boolean): string {
  const named =
    type.kind === 'list'
      ? `[${graphqlTypeText(type.of, type.itemsNullable)}]`
      : type.kind === 'enum' || type.kind === 'object'
        ? type.typeName
        : SCALAR_TYPE_NAMES[type.kind];
  return nullable ? `${named}` : `${named}!`;
}

/** `models`: rapyer's find_redis_models, with what a client needs to build keys and queries. */
export function addModelsQuery(builder: Builder) {
  const fieldInfo = builder.objectRef<FieldDescription & { isKey: boolean; resolvedAs: string | null }>('ModelFieldInfo').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      type: t.string({ description: 'The GraphQL type, as in the SDL.', resolve: (field) => graphqlTypeText(field.type, field.nullable) }),
      isKey: t.exposeBoolean('isKey', { description: "Whether this field's value is the pk." }),
      refersTo: t.string({
        nullable: true,
        description: 'For a reference (made with ref()): the model whose key the field holds.',
        resolve: (field) => (field.type.kind === 'string' ? (field.type.reference?.targetName() ?? null) : null),
      }),
      resolvedAs: t.exposeString('resolvedAs', { nullable: true, description: 'For a reference: the field that resolves it.' }),
    }),
  });
  const modelInfo = builder.objectRef<ModelDefinition>('ModelInfo').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      keyPrefix: t.string({ description: 'Every key of this model starts with it.', resolve: (model) => `${model.name}:` }),
      fields: t.field({
        type: [fieldInfo],
        resolve: (model) =>
          model.fields.map((field) => ({
            ...field,
            isKey: field.name === model.keyField,
            resolvedAs: model.references.find((reference) => reference.field === field.name)?.as ?? null,
          })),
      }),
      ttl: t.int({ nullable: true, description: 'Seconds an instance lives; null when it never expires.', resolve: (model) => model.ttl }),
      refreshTtl: t.exposeBoolean('refreshTtl', { description: 'Whether reads and writes reset the TTL.' }),
    }),
  });
  builder.queryField('models', (t) =>
    t.field({
      type: [modelInfo],
      description: 'Every registered model the caller may read.',
      resolve: withGraphQLErrors(async (_root, _args, { session }) => session.readableModels()),
    }),
  );
}
