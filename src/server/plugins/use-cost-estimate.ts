import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isGatewayError, type GatewayError } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';
import { referentsPerItem } from './referents-per-item.js';
import { rootFieldNodes } from './root-fields.js';
import { fieldRun, keysRead, pageRead, RequestBudget, totalOf, type BudgetLimits, type Draw } from '../../store/request-budget.js';

/**
 * Estimates what the operation will draw from the request budget, from its text and variables, and
 * refuses it whole before execution (TOO_MANY_KEYS or QUERY_TOO_EXPENSIVE, HTTP 400) when the total is
 * over a limit, so that obvious abuse never reaches a resolver. The session's budget stays the
 * authority: this only refuses early. Every root field (alias) counts; in a query, one with a `keys`
 * (or `ids`) argument reads that many keys, one with `key` (or `id`) reads one, and one with `first` (its default included)
 * reads a page; each item it reads adds the referents its selection resolves (`user { name }` under
 * `nodes` of 100 orders reads 100 more keys). Fields under @skip or @include count as if they ran.
 */
export function useCostEstimate(limits: BudgetLimits): Plugin {
  // What does not depend on the variables is worked out once per document and operation.
  const shapes = new WeakMap<DocumentNode, Map<string, OperationShape | null>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const byOperation = shapes.get(args.document) ?? new Map<string, OperationShape | null>();
      shapes.set(args.document, byOperation);
      const name = args.operationName ?? '';
      let shape = byOperation.get(name);
      if (shape === undefined) {
        shape = operationShape(args.schema, args.document, args.operationName);
        byOperation.set(name, shape);
      }
      const error = shape && costRefusal(shape, (args.variableValues ?? {}) as Record<string, unknown>, limits);
      if (error) setResultAndStopExecution({ errors: [requestRefusal(error)] });
    },
  };
}

/**
 * TOO_MANY_KEYS or QUERY_TOO_EXPENSIVE when the operation's estimate with these variables is over a
 * limit, else null: the early refusal of every path that executes an operation (see useCostEstimate).
 */
export function costRefusal(shape: OperationShape, variables: Record<string, unknown>, limits: BudgetLimits): GatewayError | null {
  const total: Draw = { keys: 0, cost: shape.rootFields * fieldRun.cost };
  for (const each of shape.reads) {
    const read = readOf(each, variables);
    total.keys += read.keys;
    total.cost += read.cost;
  }
  try {
    new RequestBudget(limits).draw(total);
    return null;
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
}

/** An operation's root fields (aliases and fragment spreads each counted), and those of a query that read by their arguments. */
export interface OperationShape {
  rootFields: number;
  /** `referents`: the keys each item read resolves through references (see referentsPerItem). */
  reads: FieldRead[];
}

interface FieldRead {
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
  referents: number;
  /**
   * Where each read argument's value comes from when none is written as a literal: the variable it
   * names, or nothing (its default). Null when one is a literal, which only graphql-js coerces.
   */
  sources: ReadonlyArray<{ name: string; variable: string | undefined; defaultValue: unknown }> | null;
}

// `ids` and `id`: Relay's node fields, served in place of `keys` and `key` under the relay option.
const READ_ARGUMENTS = ['keys', 'key', 'ids', 'id', 'first'];

/** What the estimate of an operation needs that does not depend on its variables; null for no operation. */
export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationShape | null {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return null;
  const shape: OperationShape = { rootFields: 0, reads: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  for (const node of rootFieldNodes(document, operation)) {
    shape.rootFields += 1;
    const field = root.getFields()[node.name.value];
    if (operation.operation === 'query' && field?.args.some((arg) => READ_ARGUMENTS.includes(arg.name))) {
      shape.reads.push({
        field,
        node,
        referents: referentsPerItem(schema, fragments, node, getNamedType(field.type)),
        sources: sourcesOf(field, node),
      });
    }
  }
  return shape;
}

/** Where the read arguments' values come from, worked out once per document (see FieldRead.sources). */
function sourcesOf(field: GraphQLField<unknown, unknown>, node: FieldNode): FieldRead['sources'] {
  const sources = [];
  for (const arg of field.args) {
    if (!READ_ARGUMENTS.includes(arg.name)) continue;
    const value = node.arguments?.find((argument) => argument.name.value === arg.name)?.value;
    if (value && value.kind !== Kind.VARIABLE) return null;
    sources.push({ name: arg.name, variable: value?.name.value, defaultValue: arg.defaultValue });
  }
  return sources;
}

/**
 * The read arguments' values as graphql-js's getArgumentValues gives them: a variable's value as sent
 * (graphql-js does not coerce it there either), else the argument's default. Read straight from the
 * variables when no read argument is a literal: getArgumentValues walks every argument of the field
 * on every request, for the few values the estimate needs.
 */
function argumentValuesOf({ field, node, sources }: FieldRead, variables: Record<string, unknown>): Record<string, unknown> {
  if (!sources) return getArgumentValues(field, node, variables);
  const values: Record<string, unknown> = {};
  for (const { name, variable, defaultValue } of sources) {
    const value = variable !== undefined && Object.hasOwn(variables, variable) ? variables[variable] : defaultValue;
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** What one root field of a query reads, from its arguments with variables and defaults applied. */
function readOf(read: FieldRead, variables: Record<string, unknown>): Draw {
  const { referents } = read;
  let values: Record<string, unknown>;
  try {
    values = argumentValuesOf(read, variables);
  } catch {
    // Invalid arguments: execution reports them with GraphQL's own error, reading nothing.
    return { keys: 0, cost: 0 };
  }
  const keys = values.keys ?? values.ids;
  if (Array.isArray(keys)) return keysRead(keys.length * (1 + referents));
  if ((values.key ?? values.id) != null) return keysRead(1 + referents);
  if (typeof values.first === 'number') {
    const page = pageRead(values.first);
    // A page's items are its cost; the referents of each are keys read as nodes' are.
    return totalOf([page, keysRead(page.cost * referents)]);
  }
  return { keys: 0, cost: 0 };
}
