import {
  GraphQLBoolean,
  GraphQLID,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLSchema,
  type GraphQLType,
  type VariableDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';

/** Coerces one request's variables: graphql-js's values, or null where graphql-js reports an error. */
export type VariablesCoercer = (inputs: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>> | null;

type Shortcut = (value: unknown) => boolean;

const isString = (value: unknown) => typeof value === 'string';
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isStringList = (value: unknown) => {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
};

/**
 * The values graphql-js coerces unchanged, by variable type: a string for `ID!`, a boolean for
 * `Boolean!`, an array of strings for `[ID!]!` (graphql-js copies it; nothing here changes it).
 */
function shortcutFor(type: GraphQLType | undefined): Shortcut | null {
  if (!isNonNullType(type)) return null;
  const inner = type.ofType;
  if (inner === GraphQLID) return isString;
  if (inner === GraphQLBoolean) return isBoolean;
  if (isListType(inner) && isNonNullType(inner.ofType) && inner.ofType.ofType === GraphQLID) return isStringList;
  return null;
}

/**
 * graphql-js's getVariableValues, with a shortcut for the variables a `nodes` request usually has: when
 * every variable is given, without a default, as a value of its type's shortcut, the coerced values are
 * the given ones, and the list of keys is not coerced item by item. Anything else goes through
 * getVariableValues itself.
 */
export function variablesCoercer(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[]): VariablesCoercer {
  const general: VariablesCoercer = (inputs) => getVariableValues(schema, definitions, inputs, { maxErrors: 1 }).coerced ?? null;
  if (definitions.length === 0) return () => ({});
  const shortcuts = definitions.map((definition) =>
    definition.defaultValue ? null : { name: definition.variable.name.value, given: shortcutFor(typeFromAST(schema, definition.type)) },
  );
  if (shortcuts.some((shortcut) => shortcut?.given == null)) return general;
  return (inputs) => {
    const coerced: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const shortcut of shortcuts) {
      const { name, given } = shortcut as { name: string; given: Shortcut };
      const value = Object.prototype.hasOwnProperty.call(inputs, name) ? inputs[name] : undefined;
      if (value === undefined || !given(value)) return general(inputs);
      coerced[name] = value;
    }
    return coerced;
  };
}
