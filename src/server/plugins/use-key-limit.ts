import { getArgumentValues, getOperationAST, type GraphQLSchema, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { tooManyKeys } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/**
 * Refuses a query whose `node` and `nodes` fields ask, all together, for more than `maxKeys` keys
 * (TOO_MANY_KEYS, HTTP 400), before a resolver runs and so before Redis is touched.
 * Fields under @skip or @include are counted as if they ran: the limit errs on the safe side.
 */
export function useKeyLimit(maxKeys: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'query') return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of args.document.definitions) {
        if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
      }
      const count = countKeys(args.schema, operation.selectionSet, fragments, (args.variableValues ?? {}) as Record<string, unknown>);
      if (count <= maxKeys) return;
      setResultAndStopExecution({
        errors: [requestRefusal(tooManyKeys(count, maxKeys, 'keys through node and nodes'))],
      });
    },
  };
}

function countKeys(
  schema: GraphQLSchema,
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const fields = schema.getQueryType()?.getFields() ?? {};
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === 'InlineFragment') count += countKeys(schema, selection.selectionSet, fragments, variables);
    else if (selection.kind === 'FragmentSpread') {
      const fragment = fragments.get(selection.name.value);
      if (fragment) count += countKeys(schema, fragment.selectionSet, fragments, variables);
    } else if (selection.name.value === 'node') count += 1;
    else if (selection.name.value === 'nodes' && fields.nodes) {
      try {
        const { keys } = getArgumentValues(fields.nodes, selection, variables);
        count += Array.isArray(keys) ? keys.length : 1;
      } catch {
        // Invalid arguments: execution reports them with GraphQL's own error.
      }
    }
  }
  return count;
}
