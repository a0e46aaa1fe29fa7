import {
  GraphQLError,
  getNamedType,
  isInputObjectType,
  Kind,
  print,
  type ASTVisitor,
  type ValidationContext,
  type VariableNode,
} from 'graphql';

/**
 * A variable that is a `@oneOf` member must be non-null: `{ user: $u }` with `$u: UserInput` and no
 * value would set no member. graphql-js 16 checks this only where the object's position is the input
 * object itself; where it is a list item or a non-null type (`insertMany(models: [{ user: $u }])`, of
 * type `[ModelInput!]!`) it looks at the wrapped type, sees no input object and lets the document
 * through, to fail in the resolver with no code. This rule checks exactly those positions, with
 * graphql-js's own message, so that no document gets the error twice.
 */
export function OneOfVariablesRule(context: ValidationContext): ASTVisitor {
  // Members found while walking operations and fragments; checked per operation at the end, since a
  // fragment's variables are defined by each operation that spreads it.
  const members = new Map<VariableNode, string>();
  return {
    ObjectValue(node) {
      const position = context.getInputType();
      const type = getNamedType(position);
      // A bare input object position is graphql-js's case (VariablesInAllowedPositionRule).
      if (!isInputObjectType(type) || !type.isOneOf || isInputObjectType(position)) return;
      for (const field of node.fields) if (field.value.kind === Kind.VARIABLE) members.set(field.value, type.name);
    },
    Document: {
      leave(document) {
        if (members.size === 0) return;
        for (const operation of document.definitions) {
          if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
          const definitions = new Map(operation.variableDefinitions?.map((definition) => [definition.variable.name.value, definition]));
          for (const usage of context.getRecursiveVariableUsages(operation)) {
            const oneOf = members.get(usage.node);
            const definition = definitions.get(usage.node.name.value);
            // An undefined variable is NoUndefinedVariablesRule's to report.
            if (oneOf === undefined || definition === undefined || definition.type.kind === Kind.NON_NULL_TYPE) continue;
            context.reportError(
              new GraphQLError(
                `Variable "$${usage.node.name.value}" is of type "${print(definition.type)}" but must be non-nullable to be used for OneOf Input Object "${oneOf}".`,
                { nodes: [definition, usage.node] },
              ),
            );
          }
        }
      },
    },
  };
}
