import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

/** The fragments an operation spreads, directly or through other fragments, by name. */
export function fragmentsUsedBy(document: DocumentNode, operation: OperationDefinitionNode): Record<string, FragmentDefinitionNode> {
  const defined = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) defined.set(definition.name.value, definition);
  const used: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<string, FragmentDefinitionNode>;
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  for (let next = pending.pop(); next; next = pending.pop()) {
    visit(next, {
      FragmentSpread(spread) {
        const fragment = defined.get(spread.name.value);
        if (fragment && !used[spread.name.value]) {
          used[spread.name.value] = fragment;
          pending.push(fragment);
        }
      },
    });
  }
  return used;
}

/**
 * The variables that `@skip(if:)` and `@include(if:)` name in an operation and its fragments: the only
 * variables that change which fields are collected, hence which plan a request runs.
 */
export function conditionVariables(
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): string[] {
  const names = new Set<string>();
  for (const part of [operation, ...Object.values(fragments)]) {
    visit(part, {
      Directive(directive) {
        if (directive.name.value !== 'skip' && directive.name.value !== 'include') return;
        for (const argument of directive.arguments ?? []) if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
      },
    });
  }
  return [...names];
}
