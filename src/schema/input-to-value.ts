import type { FieldDescription, FieldType } from '../model/field-description.js';

/**
 * GraphQL cannot tell "absent" from "null" the way zod does: a nullable GraphQL input may be left out or
 * sent as null. Before validation, an omitted zod-nullable field becomes null, and a null sent for a field
 * zod only lets be absent (optional, default) becomes absent, so that its default applies.
 */
export function inputToValue(fields: readonly FieldDescription[], input: Record<string, unknown>): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    const given = input[field.name];
    if (given === undefined || given === null) {
      if (field.acceptsNull && (given === null || !field.optional)) value[field.name] = null;
      continue;
    }
    value[field.name] = convert(field.type, given);
  }
  return value;
}

function convert(type: FieldType, given: unknown): unknown {
  if (given === null) return null;
  if (type.kind === 'list' && Array.isArray(given)) return given.map((item) => convert(type.of, item));
  if (type.kind === 'object') return inputToValue(type.fields, given as Record<string, unknown>);
  return given;
}

/**
 * One field's value from GraphQL input, nested objects converted as above. With `items`, the value is
 * a list of the field's items (append, remove) rather than the field's own value.
 */
export function inputFieldValue(field: FieldDescription, given: unknown, items = false): unknown {
  if (items && field.type.kind === 'list' && Array.isArray(given)) {
    const itemType = field.type.of;
    return given.map((item) => convert(itemType, item));
  }
  return convert(field.type, given);
}
