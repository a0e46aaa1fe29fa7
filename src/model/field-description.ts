import type { z } from 'zod';
import { invalidModelDefinition } from '../errors.js';
import { referenceOf, type Reference } from './reference.js';

/** What a model field is, as far as storage and GraphQL care: derived once from its zod type. */
export type FieldType =
  /** `reference` when made by `ref()`: the string is a key of that model. */
  | { kind: 'string'; reference?: Reference }
  | { kind: 'int' }
  | { kind: 'safeInt' }
  | { kind: 'float' }
  | { kind: 'boolean' }
  | { kind: 'datetime' }
  | { kind: 'enum'; typeName: string; values: readonly string[] }
  | { kind: 'record' }
  | { kind: 'object'; typeName: string; fields: readonly FieldDescription[] }
  | { kind: 'list'; of: FieldType; itemsNullable: boolean };

export interface FieldDescription {
  name: string;
  type: FieldType;
  /** The value may be null or absent when read. */
  nullable: boolean;
  /** The input may leave the field out (zod optional or default). */
  optional: boolean;
  /** zod accepts null itself (nullable), as opposed to only leaving the field out (optional). */
  acceptsNull: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      innerType?: z.ZodType;
      element?: z.ZodType;
      shape?: Record<string, z.ZodType>;
      keyType?: z.ZodType;
      valueType?: z.ZodType;
    };
  };
  isInt?: boolean;
  minValue?: number | null;
  maxValue?: number | null;
  options?: readonly unknown[];
  shape?: Record<string, z.ZodType>;
}

const internals = (schema: z.ZodType) => schema as unknown as ZodInternals;

/** Turns the shape of a zod object into field descriptions, refusing what cannot be stored as JSON and served as GraphQL. */
export function describeFields(typeName: string, shape: Readonly<Record<string, unknown>>, where: string): FieldDescription[] {
  return Object.entries(shape as Record<string, z.ZodType>).map(([name, schema]) => {
    const path = `${where}.${name}`;
    if (!GRAPHQL_NAME.test(name) || name.startsWith('__')) {
      throw invalidModelDefinition(
        `Field "${path}" has a name GraphQL cannot use: names match ${GRAPHQL_NAME} and do not start with "__".`,
      );
    }
    return describeField(name, schema, `${typeName}${pascal(name)}`, path);
  });
}

function describeField(name: string, schema: z.ZodType, typeName: string, path: string): FieldDescription {
  let nullable = false;
  let optional = false;
  let acceptsNull = false;
  let inner = schema;
  // Wrappers may nest in any order (z.string().nullable().optional().default(...)).
  for (;;) {
    const { def } = internals(inner)._zod;
    if (def.type === 'optional') optional = nullable = true;
    else if (def.type === 'nullable') nullable = acceptsNull = true;
    else if (def.type === 'default' || def.type === 'prefault') optional = true;
    else if (def.type !== 'readonly') break;
    inner = def.innerType as z.ZodType;
  }
  return { name, type: describeType(inner, typeName, path), nullable, optional, acceptsNull };
}

function describeType(schema: z.ZodType, typeName: string, path: string): FieldType {
  const zod = internals(schema);
  const { def } = zod._zod;
  switch (def.type) {
    case 'string': {
      const reference = referenceOf(schema);
      return reference ? { kind: 'string', reference } : { kind: 'string' };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'date':
      return { kind: 'datetime' };
    case 'number': {
      if (!zod.isInt) return { kind: 'float' };
      const fits32 = (zod.minValue ?? -Infinity) >= INT32_MIN && (zod.maxValue ?? Infinity) <= INT32_MAX;
      return { kind: fits32 ? 'int' : 'safeInt' };
    }
    case 'enum': {
      const values = (zod.options ?? []).map(String);
      const bad = values.find((value) => !GRAPHQL_NAME.test(value));
      if (bad !== undefined)
        throw invalidModelDefinition(`Field "${path}" has enum value "${bad}", which is no GraphQL name (${GRAPHQL_NAME}).`);
      return { kind: 'enum', typeName, values };
    }
    case 'record': {
      const keyType = internals(def.keyType as z.ZodType)._zod.def.type;
      if (keyType !== 'string')
        throw invalidModelDefinition(`Field "${path}" is a record with ${keyType} keys; only string keys can be stored as JSON.`);
      assertJsonValue(def.valueType as z.ZodType, `${path}[*]`);
      return { kind: 'record' };
    }
    case 'object':
      return { kind: 'object', typeName, fields: describeFields(typeName, zod.shape ?? {}, path) };
    case 'array': {
      const item = describeField('item', def.element as z.ZodType, typeName, `${path}[]`);
      if (item.type.kind === 'list')
        throw invalidModelDefinition(
          `Field "${path}" is a list of lists, which the gateway does not map; wrap the inner list in an object.`,
        );
      return { kind: 'list', of: item.type, itemsNullable: item.nullable };
    }
    default:
      throw invalidModelDefinition(
        `Field "${path}" has zod type "${def.type}", which has no JSON and GraphQL mapping. Use string, number, int, boolean, date, enum, array, record, object, optional, nullable or default.`,
      );
  }
}

/** Record values are served as the JSON scalar: anything JSON holds, but not a Date, which JSON would turn into a string. */
function assertJsonValue(schema: z.ZodType, path: string): void {
  const { def } = internals(schema)._zod;
  if (['unknown', 'any', 'string', 'number', 'boolean', 'null', 'enum', 'literal'].includes(def.type)) return;
  if (['optional', 'nullable', 'default', 'readonly'].includes(def.type)) return assertJsonValue(def.innerType as z.ZodType, path);
  if (def.type === 'array') return assertJsonValue(def.element as z.ZodType, `${path}[]`);
  if (def.type === 'record') return assertJsonValue(def.valueType as z.ZodType, `${path}[*]`);
  if (def.type === 'object') {
    for (const [name, field] of Object.entries(internals(schema).shape ?? {})) assertJsonValue(field, `${path}.${name}`);
    return;
  }
  throw invalidModelDefinition(`Field "${path}" holds zod type "${def.type}" inside a record, which JSON cannot round-trip.`);
}

export const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Every named GraphQL type a list of fields generates (nested objects and enums), for the registry's collision check. */
export function nestedTypeNames(fields: readonly FieldDescription[]): string[] {
  const names: string[] = [];
  const visit = (type: FieldType) => {
    if (type.kind === 'list') visit(type.of);
    else if (type.kind === 'enum') names.push(type.typeName, `${type.typeName}Filter`);
    else if (type.kind === 'object') {
      names.push(type.typeName, `${type.typeName}Input`);
      type.fields.forEach((field) => visit(field.type));
    }
  };
  fields.forEach((field) => visit(field.type));
  return names;
}

/** Whether any value of this type is, or contains, a Date: decoding must then revive ISO strings. */
export function containsDates(type: FieldType): boolean {
  if (type.kind === 'datetime') return true;
  if (type.kind === 'list') return containsDates(type.of);
  if (type.kind === 'object') return type.fields.some((field) => containsDates(field.type));
  return false;
}
