import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved selects `name` directly on its result, through fragments too.
 * Used to ask Redis for TTLs only when a client reads them.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && selectionHas(info, node.selectionSet, name));
}

function selectionHas(info: GraphQLResolveInfo, set: SelectionSetNode, name: string): boolean {
  return set.selections.some((selection) => {
    if (selection.kind === 'Field') return selection.name.value === name;
    if (selection.kind === 'InlineFragment') return selectionHas(info, selection.selectionSet, name);
    const fragment = info.fragments[selection.name.value];
    return fragment !== undefined && selectionHas(info, fragment.selectionSet, name);
  });
}
