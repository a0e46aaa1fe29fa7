import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import type { Builder } from './builder.js';
import { TypeRefs } from './type-refs.js';

const modelNameOf = (instance: ModelInstance) => instance.model.name;

/**
 * `interface Model { key pk ttl }`, one object type per model implementing it, and `union AnyModel`.
 * Returns the interface, which `node`, `nodes` and `insertMany` return, and each model's object type.
 */
export function addModelTypes(builder: Builder, registry: Registry, refs: TypeRefs) {
  const modelInterface = builder.interfaceRef<ModelInstance>('Model').implement({
    description: 'A model instance stored as one JSON document at its key, `<ModelName>:<pk>`.',
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
      interfaces: [modelInterface],
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
  return { modelInterface, objectTypes: byName };
}

export type ModelInterfaceRef = ReturnType<typeof addModelTypes>['modelInterface'];
