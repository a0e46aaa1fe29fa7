import {
  getNullableType,
  isAbstractType,
  isListType,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { collectFields } from 'graphql/execution/collectFields.js';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { Registry } from '../model/registry.js';
import { fieldNodesSelect } from '../schema/selects-field.js';
import { instanceWriter } from './object-writers.js';
import type { SelectionScope } from './selection-scope.js';
import { WriterSource } from './writer-source.js';

/** A root field's arguments for one request's variables, as graphql-js's getArgumentValues gives them. */
export type ArgumentsReader = (variables: Readonly<Record<string, unknown>>) => Record<string, unknown>;
export type InstanceWriter = (instance: ModelInstance) => string;

interface ReadStep {
  /** `"<response key>":`, after a comma unless the step is the first. */
  prefix: string;
  arguments: ArgumentsReader;
  /** As the resolver computes it (selectsField(info, 'ttl')), so the batch asks Redis the same way. */
  readOptions: { withTtl: boolean };
  write: InstanceWriter;
}

/**
 * One root field of a plan. `node` and `nodes` differ between the two schemas in their argument names
 * and in what a missing key answers: KEY_NOT_FOUND (`node(key:)`, `nodes(keys:)` without skipMissing),
 * which this path hands over, or null with no error (`node(id:)`, `nodes(ids:)`).
 */
export type RootStep =
  | { kind: 'text'; text: string }
  | (ReadStep & { kind: 'node'; keyArgument: 'key' | 'id'; missingIsNull: boolean })
  | (ReadStep & { kind: 'nodes'; keysArgument: 'keys' | 'ids'; missingIsNull: boolean });

/** The root fields of `operation` for the directive values in `scope`, or null when one is not answered here. */
export function rootPlan(scope: SelectionScope, registry: Registry, operation: OperationDefinitionNode): RootStep[] | null {
  const queryType = scope.schema.getQueryType();
  if (!queryType) return null;
  const steps: RootStep[] = [];
  for (const [responseKey, fieldNodes] of collectFields(
    scope.schema,
    scope.fragments,
    scope.variables,
    queryType,
    operation.selectionSet,
  )) {
    const prefix = `${steps.length === 0 ? '' : ','}${JSON.stringify(responseKey)}:`;
    const node = fieldNodes[0];
    if (!node) return null;
    if (node.name.value === '__typename') {
      steps.push({ kind: 'text', text: prefix + JSON.stringify(queryType.name) });
      continue;
    }
    const read = readStep(queryType, node);
    if (!read) return null;
    const { field, ...kind } = read;
    const returnType = getNullableType(field.type);
    const itemType = isListType(returnType) ? getNullableType(returnType.ofType) : returnType;
    if (!isAbstractType(itemType) || isListType(returnType) !== (kind.kind === 'nodes')) return null;
    const source = new WriterSource();
    const writer = instanceWriter(source, scope, registry, itemType, fieldNodes);
    if (writer === null) return null;
    steps.push({
      ...kind,
      prefix,
      arguments: argumentsReader(field, node),
      readOptions: { withTtl: fieldNodesSelect(fieldNodes, scope.fragments, ['ttl']) },
      write: source.compile<InstanceWriter>(writer),
    });
  }
  return steps;
}

/** Which root field `node` is: the gateway's `node`/`nodes` of either schema, by its arguments; null for any other. */
export function readStep(queryType: GraphQLObjectType, node: FieldNode) {
  const field = queryType.getFields()[node.name.value];
  if (!field) return null;
  const args = field.args.map((arg) => arg.name).join(',');
  if (field.name === 'node' && args === 'key') return { field, kind: 'node', keyArgument: 'key', missingIsNull: false } as const;
  if (field.name === 'node' && args === 'id') return { field, kind: 'node', keyArgument: 'id', missingIsNull: true } as const;
  if (field.name === 'nodes' && args === 'keys,skipMissing')
    return { field, kind: 'nodes', keysArgument: 'keys', missingIsNull: false } as const;
  if (field.name === 'nodes' && args === 'ids') return { field, kind: 'nodes', keysArgument: 'ids', missingIsNull: true } as const;
  return null;
}

/** Arguments written in the document are coerced once, here; those naming variables for each request. */
function argumentsReader(field: GraphQLField<unknown, unknown>, node: FieldNode): ArgumentsReader {
  if (!(node.arguments ?? []).some((argument) => holdsVariable(argument.value))) {
    const fixed = getArgumentValues(field, node, {});
    return () => fixed;
  }
  return (variables) => getArgumentValues(field, node, variables);
}

function holdsVariable(value: ValueNode): boolean {
  if (value.kind === 'Variable') return true;
  if (value.kind === 'ListValue') return value.values.some(holdsVariable);
  if (value.kind === 'ObjectValue') return value.fields.some((field) => holdsVariable(field.value));
  return false;
}
