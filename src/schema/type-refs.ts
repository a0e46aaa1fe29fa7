import type { FieldDescription, FieldType } from '../model/field-description.js';
import type { Builder } from './builder.js';

type NestedValue = Record<string, unknown>;
/** A Pothos type parameter built at run time from a field description; Pothos cannot type these statically. */
export type DynamicTypeParam = unknown;

export const SCALAR_TYPE_NAMES = {
  string: 'String',
  int: 'Int',
  safeInt: 'SafeInt',
  float: 'Float',
  boolean: 'Boolean',
  datetime: 'DateTime',
  record: 'JSON',
} as const;

/**
 * Maps field descriptions to GraphQL types, creating each enum and nested object type once.
 * Enums serve output and input alike; nested objects get an object type and a `<Name>Input` type.
 */
export class TypeRefs {
  private readonly enums = new Map<string, unknown>();
  private readonly objects = new Map<string, unknown>();
  private readonly inputs = new Map<string, unknown>();

  constructor(private readonly builder: Builder) {}

  output(type: FieldType): DynamicTypeParam {
    if (type.kind === 'list') return [this.output(type.of)];
    if (type.kind === 'enum') return this.enumRef(type);
    if (type.kind === 'object') return this.objectRef(type);
    return SCALAR_TYPE_NAMES[type.kind];
  }

  input(type: FieldType): DynamicTypeParam {
    if (type.kind === 'list') return [this.input(type.of)];
    if (type.kind === 'enum') return this.enumRef(type);
    if (type.kind === 'object') return this.inputRef(type);
    return SCALAR_TYPE_NAMES[type.kind];
  }

  /** Output nullability in Pothos's form: lists say it for the list and for its items. */
  static nullable(field: FieldDescription) {
    return field.type.kind === 'list' ? { list: field.nullable, items: field.type.itemsNullable } : field.nullable;
  }

  /** Input requiredness: a field is required unless zod lets it be absent or null. */
  static required(field: FieldDescription) {
    const required = !field.optional && !field.nullable;
    return field.type.kind === 'list' ? { list: required, items: !field.type.itemsNullable } : required;
  }

  private enumRef(type: Extract<FieldType, { kind: 'enum' }>) {
    return cached(this.enums, type.typeName, () =>
      this.builder.enumType(type.typeName, { values: [...type.values] as [string, ...string[]] }),
    );
  }

  private objectRef(type: Extract<FieldType, { kind: 'object' }>) {
    return cached(this.objects, type.typeName, () =>
      this.builder.objectRef<NestedValue>(type.typeName).implement({
        fields: (t) =>
          Object.fromEntries(
            type.fields.map((field) => [
              field.name,
              t.field({
                type: this.output(field.type),
                nullable: TypeRefs.nullable(field),
                resolve: (parent: NestedValue) => parent[field.name],
              } as never),
            ]),
          ),
      }),
    );
  }

  private inputRef(type: Extract<FieldType, { kind: 'object' }>) {
    return cached(this.inputs, type.typeName, () =>
      this.builder.inputType(`${type.typeName}Input`, {
        fields: (t) => inputFields(t, type.fields, this),
      }),
    );
  }
}

/** The input fields of a model or nested object, shared by `<Model>Input` and nested `<Type>Input`. */
export function inputFields(t: { field: (options: never) => unknown }, fields: readonly FieldDescription[], refs: TypeRefs) {
  return Object.fromEntries(
    fields.map((field) => [field.name, t.field({ type: refs.input(field.type), required: TypeRefs.required(field) } as never)]),
  ) as Record<string, never>;
}

function cached<T>(map: Map<string, unknown>, name: string, create: () => T): T {
  if (!map.has(name)) map.set(name, create());
  return map.get(name) as T;
}
