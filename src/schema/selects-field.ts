import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

type Fragments = Readonly<Record<string, FragmentDefinitionNode | undefined>>;

/**
 * Whether the field being resolved selects `path` on its result (`ttl`, or `edges`, `node`, `ttl`),
 * through fragments too. Used to ask Redis for TTLs and counts only when a client reads them.
 */
export function selectsField(info: GraphQLResolveInfo, ...path: string[]): boolean {
  return fieldNodesSelect(info.fieldNodes, info.fragments, path);
}

/**
 * The same rule for the nodes of one response key, for an execution path that has no resolve info. It
 * looks at the selections as written, whatever `@skip` or `@include` says, so that every path asks
 * Redis the same way for the same document.
 */
export function fieldNodesSelect(fieldNodes: readonly FieldNode[], fragments: Fragments, path: readonly string[]): boolean {
  return fieldNodes.some((node) => node.selectionSet !== undefined && selectionHas(fragments, node.selectionSet, path));
}

function selectionHas(fragments: Fragments, set: SelectionSetNode, path: readonly string[]): boolean {
  const [name, ...rest] = path;
  return set.selections.some((selection) => {
    if (selection.kind === 'Field') {
      if (selection.name.value !== name) return false;
      return rest.length === 0 || (selection.selectionSet !== undefined && selectionHas(fragments, selection.selectionSet, rest));
    }
    if (selection.kind === 'InlineFragment') return selectionHas(fragments, selection.selectionSet, path);
    const fragment = fragments[selection.name.value];
    return fragment !== undefined && selectionHas(fragments, fragment.selectionSet, path);
  });
}
