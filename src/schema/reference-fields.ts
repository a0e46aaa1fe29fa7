import type { GraphQLResolveInfo } from 'graphql';
import { keyNotFound } from '../errors.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import type { Builder, GatewayContext } from './builder.js';
import { selectsField } from './selects-field.js';
import { withGraphQLErrors } from './to-graphql-error.js';

/** The extension that marks a resolved reference field (its value: the target model), for the early cost estimate. */
export const REFERENCE_EXTENSION = 'referenceTo';

/**
 * Beside each field made with `ref()` (`userId: String!`), the field that resolves it (`user: User`).
 * Each read goes through the session like `node`: the request's DataLoader (so the referents of a whole
 * list are one Redis command, and a key read twice is read once), its access check and its budget.
 * Added from here, not by the model types' generator, so that each stays about one thing.
 */
export function addReferenceFields(builder: Builder, registry: Registry, objectTypes: ReadonlyMap<string, unknown>) {
  for (const model of registry.models) {
    if (model.references.length === 0) continue;
    builder.objectFields(
      objectTypes.get(model.name) as never,
      ((t: { field: (options: never) => unknown }) =>
        Object.fromEntries(
          model.references.map(({ field, as, reference }) => {
            const target = reference.targetName();
            return [
              as,
              t.field({
                type: objectTypes.get(target),
                nullable: true,
                extensions: { [REFERENCE_EXTENSION]: target },
                description: `The ${target} whose key \`${field}\` holds: null when \`${field}\` is null, and null with KEY_NOT_FOUND when nothing is stored at that key.`,
                resolve: withGraphQLErrors(
                  async (instance: ModelInstance, _args: unknown, { session }: GatewayContext, info: GraphQLResolveInfo) => {
                    const key = (instance.value as Record<string, unknown>)[field];
                    if (typeof key !== 'string') return null;
                    const referent = await session.get(key, { withTtl: selectsField(info, 'ttl') });
                    if (referent === null) throw keyNotFound(key);
                    return referent;
                  },
                ),
              } as never),
            ];
          }),
        )) as never,
    );
  }
}
