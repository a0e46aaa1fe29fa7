import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved selects `path` on its result (`ttl`, or `edges`, `node`, `ttl`),
 * through fragments too. Used to ask Redis for TTLs and counts only when a client reads them.
 */
export function selectsField(info: GraphQLResolveInfo, ...path: string[]): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && selectionHas(info, node.selectionSet, path));
}

function selectionHas(info: GraphQLResolveInfo, set: SelectionSetNode, path: readonly string[]): boolean {
  const [name, ...rest] = path;
  return set.selections.some((selection) => {
    if (selection.kind === 'Field') {
      if (selection.name.value !== name) return false;
      return rest.length === 0 || (selection.selectionSet !== undefined && selectionHas(info, selection.selectionSet, rest));
    }
    if (selection.kind === 'InlineFragment') return selectionHas(info, selection.selectionSet, path);
    const fragment = info.fragments[selection.name.value];
    return fragment !== undefined && selectionHas(info, fragment.selectionSet, path);
  });
}
