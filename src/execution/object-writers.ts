import {
  getNullableType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type FieldNode,
  type GraphQLAbstractType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { Registry } from '../model/registry.js';
import { REFERENCE_EXTENSION } from '../schema/reference-fields.js';
import { leafText } from './leaf-text.js';
import type { SelectionScope } from './selection-scope.js';
import { literal, type WriterSource } from './writer-source.js';

/*
 * Generated writers that answer, for one selection, the JSON text graphql-js's completeValue and the
 * response's JSON.stringify would give together: keys in collectFields order, leaves serialized by the
 * schema's own types, and a give-up (H()) wherever graphql-js would report an error. Each function
 * returns null from generation when the selection holds a field this path does not answer.
 */

/** The instance's own fields, as the Model interface's resolvers read them. */
const INSTANCE_FIELDS: Readonly<Record<string, string>> = { id: 'i.key', key: 'i.key', pk: 'i.pk', ttl: 'i.ttl' };

/** A generated function `(instance) => text` for the instances an abstract field (`Model`, `Node`) returns. */
export function instanceWriter(
  source: WriterSource,
  scope: SelectionScope,
  registry: Registry,
  returnType: GraphQLAbstractType,
  fieldNodes: readonly FieldNode[],
): string | null {
  // The type graphql-js resolves an instance to is its model's (resolveType), which must be one of the field's.
  const cases: string[] = [];
  for (const model of registry.models) {
    const type = scope.schema.getType(model.name);
    if (!isObjectType(type) || !scope.schema.isSubType(returnType, type)) continue;
    const writer = modelWriter(source, scope, model, type, fieldNodes);
    if (writer === null) return null;
    cases.push(`case ${literal(model.name)}: return ${writer}(i);`);
  }
  return source.define('i', `switch (i.model.name) {\n${cases.join('\n')}\ndefault: return H();\n}`);
}

function modelWriter(
  source: WriterSource,
  scope: SelectionScope,
  model: ModelDefinition,
  type: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
): string | null {
  const own = new Set(model.fields.map((field) => field.name));
  const access = (name: string) => INSTANCE_FIELDS[name] ?? (own.has(name) ? `v[${literal(name)}]` : null);
  return objectWriter(source, scope, type, fieldNodes, 'i', 'var v = i.value, x;', access);
}

/** A nested object of a model: its fields resolve as `parent[name]`. */
function nestedWriter(source: WriterSource, scope: SelectionScope, type: GraphQLObjectType, fieldNodes: readonly FieldNode[]) {
  const access = (name: string) => `o[${literal(name)}]`;
  return objectWriter(source, scope, type, fieldNodes, 'o', 'if (typeof o !== "object") H();\nvar x;', access);
}

function objectWriter(
  source: WriterSource,
  scope: SelectionScope,
  type: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
  param: string,
  preamble: string,
  access: (fieldName: string) => string | null,
): string | null {
  if (type.isTypeOf) return null;
  const fields = collectSubfields(scope.schema, scope.fragments, scope.variables, type, fieldNodes);
  const definitions = type.getFields();
  // Constant text (keys, __typename) is gathered and written with the next value.
  let text = '{';
  let first = true;
  const parts: string[] = [];
  for (const [responseKey, nodes] of fields) {
    text += `${first ? '' : ','}${JSON.stringify(responseKey)}:`;
    first = false;
    const name = nodes[0]?.name.value ?? '';
    if (name === '__typename') {
      text += JSON.stringify(type.name);
      continue;
    }
    const field = definitions[name];
    const read = access(name);
    if (!field || read === null || field.extensions[REFERENCE_EXTENSION] !== undefined) return null;
    const value = valueText(source, scope, field.type, 'x', nodes);
    if (value === null) return null;
    parts.push(literal(text), `(x = ${read}, ${value})`);
    text = '';
  }
  parts.push(literal(`${text}}`));
  return source.define(param, `${preamble}\nreturn ${parts.join(' + ')};`);
}

/** A JS expression answering the JSON text of the value in variable `x`, of GraphQL type `type`. */
function valueText(
  source: WriterSource,
  scope: SelectionScope,
  type: GraphQLOutputType,
  x: string,
  fieldNodes: readonly FieldNode[],
): string | null {
  const inner = getNullableType(type);
  let text: string | null;
  if (isListType(inner)) text = listText(source, scope, inner.ofType, x, fieldNodes);
  else if (isObjectType(inner)) {
    const writer = nestedWriter(source, scope, inner, fieldNodes);
    text = writer === null ? null : `${writer}(${x})`;
  } else if (isLeafType(inner)) text = leafText(source, inner, x);
  else text = null;
  if (text === null) return null;
  return `(${x} == null ? ${isNonNullType(type) ? 'H()' : '"null"'} : ${text})`;
}

function listText(
  source: WriterSource,
  scope: SelectionScope,
  itemType: GraphQLOutputType,
  x: string,
  fieldNodes: readonly FieldNode[],
): string | null {
  const item = valueText(source, scope, itemType, 'y', fieldNodes);
  if (item === null) return null;
  // graphql-js accepts any iterable object; documents decode lists as arrays, anything else gives up.
  const writer = source.define(
    'a',
    [
      'if (!Array.isArray(a)) H();',
      'var s = "[", y;',
      'for (var n = 0; n < a.length; n++) { y = a[n]; s += (n === 0 ? "" : ",") + ' + item + '; }',
      'return s + "]";',
    ].join('\n'),
  );
  return `${writer}(${x})`;
}
