import { keyNotFound } from '../errors.js';
import type { Builder } from './builder.js';
import type { ModelInterfaceRef } from './model-types.js';
import { selectsField } from './selects-field.js';
import { toGraphQLError, withGraphQLErrors } from './to-graphql-error.js';

/** `node(key)` and `nodes(keys)`: rapyer's aget and afind, through the request's DataLoader. */
export function addNodeQueries(builder: Builder, modelInterface: ModelInterfaceRef) {
  builder.queryField('node', (t) =>
    t.field({
      type: modelInterface,
      nullable: true,
      description: 'The model at `key`, its type taken from the key. Missing: null with KEY_NOT_FOUND.',
      args: { key: t.arg.id({ required: true }) },
      resolve: withGraphQLErrors(async (_root, { key }, { session }, info) => {
        const instance = await session.get(String(key), { withTtl: selectsField(info, 'ttl') });
        if (instance === null) throw keyNotFound(String(key));
        return instance;
      }),
    }),
  );

  builder.queryField('nodes', (t) =>
    t.field({
      type: [modelInterface],
      nullable: { list: false, items: true },
      description:
        'Models in key order, duplicates allowed, in one Redis command. A key that fails gives null in its slot and an error at that path with `extensions.index`, its position in `keys`.',
      args: {
        keys: t.arg.idList({ required: true }),
        skipMissing: t.arg.boolean({ defaultValue: false, description: 'Drop missing keys instead of answering KEY_NOT_FOUND for them.' }),
      },
      resolve: withGraphQLErrors(async (_root, { keys, skipMissing }, { session }, info) => {
        const asked = keys.map(String);
        const slots = await session.loadMany(asked, { withTtl: selectsField(info, 'ttl') });
        const results = [];
        for (const [index, slot] of slots.entries()) {
          if (slot === null && skipMissing) continue;
          const error = slot === null ? keyNotFound(asked[index] ?? '') : slot instanceof Error ? slot : null;
          // graphql-js turns an Error in a list slot into null there plus an error at that path.
          results.push(error ? toGraphQLError(error, { index }) : slot);
        }
        return results as never;
      }),
    }),
  );
}
