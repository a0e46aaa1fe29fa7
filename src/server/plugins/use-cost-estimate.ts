import {
  getArgumentValues,
  getOperationAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isGatewayError } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';
import { fieldRun, keysRead, pageRead, RequestBudget, totalOf, type BudgetLimits, type Draw } from '../../store/request-budget.js';

/**
 * Estimates what the operation will draw from the request budget, from its text and variables, and
 * refuses it whole before execution (TOO_MANY_KEYS or QUERY_TOO_EXPENSIVE, HTTP 400) when the total is
 * over a limit, so that obvious abuse never reaches a resolver. The session's budget stays the
 * authority: this only refuses early. Every root field (alias) counts; in a query, one with a `keys`
 * argument reads that many keys, one with `key` reads one, and one with `first` (its default included)
 * reads a page. Fields under @skip or @include count as if they ran: the estimate errs on the safe side.
 */
export function useCostEstimate(limits: BudgetLimits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const root = operation && args.schema.getRootType(operation.operation);
      if (!operation || !root) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of args.document.definitions) {
        if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
      }
      const draws: Draw[] = [];
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      for (const field of rootFields(operation.selectionSet, fragments, new Set()))
        draws.push(fieldRun, operation.operation === 'query' ? readOf(root, field, variables) : { keys: 0, cost: 0 });
      try {
        new RequestBudget(limits).draw(totalOf(draws));
      } catch (error) {
        if (!isGatewayError(error)) throw error;
        setResultAndStopExecution({ errors: [requestRefusal(error)] });
      }
    },
  };
}

/** The root fields of a selection, through fragments and inline fragments; a fragment spread twice counts twice. */
function* rootFields(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, spreading: Set<string>): Generator<FieldNode> {
  for (const selection of set.selections) {
    if (selection.kind === 'Field') yield selection;
    else if (selection.kind === 'InlineFragment') yield* rootFields(selection.selectionSet, fragments, spreading);
    else {
      const fragment = fragments.get(selection.name.value);
      // A fragment that spreads itself is invalid and never executes; skip the cycle instead of looping.
      if (!fragment || spreading.has(fragment.name.value)) continue;
      yield* rootFields(fragment.selectionSet, fragments, new Set([...spreading, fragment.name.value]));
    }
  }
}

/** What one root field of a query reads, from its arguments with variables and defaults applied. */
function readOf(root: GraphQLObjectType, node: FieldNode, variables: Record<string, unknown>): Draw {
  const field = root.getFields()[node.name.value];
  if (!field) return { keys: 0, cost: 0 };
  let values: Record<string, unknown>;
  try {
    values = getArgumentValues(field, node, variables);
  } catch {
    // Invalid arguments: execution reports them with GraphQL's own error, reading nothing.
    return { keys: 0, cost: 0 };
  }
  if (Array.isArray(values.keys)) return keysRead(values.keys.length);
  if (values.key !== undefined && values.key !== null) return keysRead(1);
  if (typeof values.first === 'number') return pageRead(values.first);
  return { keys: 0, cost: 0 };
}
