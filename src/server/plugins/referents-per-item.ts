import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { REFERENCE_EXTENSION } from '../../schema/reference-fields.js';

/**
 * How many referents one item of a root field's result reads (one model of `nodes`, one edge of a
 * page): the resolved reference fields its selection names, each alias counted, nested references
 * included, through inline fragments and fragments. Each named fragment counts once per root field, as
 * execution merges a fragment spread twice, and so that nested spreads cannot make the walk long. The
 * session's budget stays the authority; this lets the estimate refuse early what references would add.
 */
export function referentsPerItem(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  root: FieldNode,
  rootType: GraphQLNamedType,
): number {
  const visited = new Set<string>();
  const count = (set: SelectionSetNode | undefined, parent: GraphQLNamedType): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        if (field.extensions[REFERENCE_EXTENSION] !== undefined) total += 1;
        total += count(selection.selectionSet, getNamedType(field.type));
      } else if (selection.kind === 'InlineFragment') {
        const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
        total += count(selection.selectionSet, condition ?? parent);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += count(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent);
      }
    }
    return total;
  };
  return count(root.selectionSet, rootType);
}
