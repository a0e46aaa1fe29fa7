import type { Builder } from './builder.js';
import type { NodeInterfaceRef } from './model-types.js';
import { selectsField } from './selects-field.js';
import { toGraphQLError, withGraphQLErrors } from './to-graphql-error.js';

/**
 * Relay's `node(id)` and `nodes(ids)`, served in place of `node(key)` and `nodes(keys)` under the
 * gateway's `relay` option. The same reads through the request's DataLoader; what differs is a missing
 * id: null with no error, as Relay's refetching and Apollo's default errorPolicy (which throws on any
 * error) expect. A malformed id, an unregistered model, a refused read or a corrupt document still
 * answer their codes at their paths.
 */
export function addRelayNodeQueries(builder: Builder, nodeInterface: NodeInterfaceRef) {
  builder.queryField('node', (t) =>
    t.field({
      type: nodeInterface,
      nullable: true,
      description: 'The model whose id (its key) is `id`; null when none is stored there.',
      args: { id: t.arg.id({ required: true }) },
      resolve: withGraphQLErrors(async (_root, { id }, { session }, info) =>
        session.get(String(id), { withTtl: selectsField(info, 'ttl') }),
      ),
    }),
  );

  builder.queryField('nodes', (t) =>
    t.field({
      type: [nodeInterface],
      nullable: { list: false, items: true },
      description:
        'Models in id order, duplicates allowed, in one Redis command; null for an id with nothing stored. An id that fails gives null in its slot and an error at that path with `extensions.index`.',
      args: { ids: t.arg.idList({ required: true }) },
      resolve: withGraphQLErrors(async (_root, { ids }, { session }, info) => {
        const slots = await session.loadMany(ids.map(String), { withTtl: selectsField(info, 'ttl') });
        // graphql-js turns an Error in a list slot into null there plus an error at that path.
        return slots.map((slot, index) => (slot instanceof Error ? toGraphQLError(slot, { index }) : slot)) as never;
      }),
    }),
  );
}
