import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import type { Builder } from './builder.js';
import { TypeRefs } from './type-refs.js';

const modelNameOf = (instance: ModelInstance) => instance.model.name;

/**
 * `interface Node { id }`, `interface Model implements Node { id key pk ttl }`, one object type per model
 * implementing both, and `union AnyModel`. Returns the interfaces (`Model` is what `node`, `nodes` and
 * `insertMany` return, `Node` what Relay's `node(id:)` does) and each model's object type.
 *
 * `id` is the key under the name Apollo's and urql's caches and Relay normalize by; only model types
 * carry it, since a type that repeated a model's key as its `id` (a lock result) would overwrite that
 * model's cache entry with itself.
 */
export function addModelTypes(builder: Builder, registry: Registry, refs: TypeRefs) {
  const nodeInterface = builder.interfaceRef<ModelInstance>('Node').implement({
    description: 'An object with a globally unique id, by which clients cache and refetch it: every model.',
    resolveType: modelNameOf,
    fields: (t) => ({
      id: t.id({
        description: 'The key again, `<ModelName>:<pk>`: unique across models, it is what client caches normalize by.',
        resolve: (instance) => instance.key,
      }),
    }),
  });
  const modelInterface = builder.interfaceRef<ModelInstance>('Model').implement({
    description: 'A model instance stored as one JSON document at its key, `<ModelName>:<pk>`.',
    interfaces: [nodeInterface],
    resolveType: modelNameOf,
    fields: (t) => ({
      key: t.id({ description: 'The Redis key, `<ModelName>:<pk>`.', resolve: (instance) => instance.key }),
      pk: t.string({ description: 'The primary key: the key after its first colon.', resolve: (instance) => instance.pk }),
      ttl: t.int({
        nullable: true,
        description: "Seconds left to live after this read's refresh; null when the key does not expire.",
        resolve: (instance) => instance.ttl ?? null,
      }),
    }),
  });

  const objectTypes = registry.models.map((model) =>
    builder.objectRef<ModelInstance>(model.name).implement({
      interfaces: [nodeInterface, modelInterface],
      // No isTypeOf: the interface's and the union's resolveType already name the type, and graphql-js
      // would call isTypeOf again for every object it completes.
      fields: (t) =>
        Object.fromEntries(
          model.fields.map((field) => [
            field.name,
            t.field({
              type: refs.output(field.type),
              nullable: TypeRefs.nullable(field),
              resolve: (instance: ModelInstance) => (instance.value as Record<string, unknown>)[field.name],
            } as never),
          ]),
        ),
    }),
  );

  const byName = new Map(registry.models.map((model, i) => [model.name, objectTypes[i]]));
  if (objectTypes.length > 0) {
    builder.unionType('AnyModel', {
      description: 'Every registered model.',
      types: objectTypes,
      resolveType: modelNameOf,
    });
  }
  return { nodeInterface, modelInterface, objectTypes: byName };
}

export type ModelInterfaceRef = ReturnType<typeof addModelTypes>['modelInterface'];
export type NodeInterfaceRef = ReturnType<typeof addModelTypes>['nodeInterface'];
