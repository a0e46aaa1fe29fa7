import { TypeInfo, visit, visitWithTypeInfo, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { REFERENCE_EXTENSION } from '../schema/reference-fields.js';
import { readStep } from './root-plan.js';

/**
 * Whether every field of a query is one compiled plans answer: at the root `node`, `nodes` and
 * `__typename`; below them a model's own fields, not the references that read more keys.
 */
export function readsOnlyNodes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): boolean {
  const queryType = schema.getQueryType();
  if (operation.operation !== 'query' || !queryType) return false;
  const typeInfo = new TypeInfo(schema);
  let answered = true;
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const field = typeInfo.getFieldDef();
      if (!field) answered = false;
      else if (typeInfo.getParentType() === queryType) answered &&= field.name === '__typename' || readStep(queryType, node) !== null;
      else answered &&= field.extensions[REFERENCE_EXTENSION] === undefined;
    },
  });
  for (const part of [operation, ...Object.values(fragments)]) visit(part, visitor);
  return answered;
}
