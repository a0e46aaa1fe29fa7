import type { FieldDescription, FieldType } from './field-description.js';

/**
 * zod's record parsing skips a key named "__proto__" without a word, so such a key would vanish
 * between input and storage. Finds one, to refuse it instead: returns its path, or null.
 */
export function findProtoRecordKey(fields: readonly FieldDescription[], value: unknown, path: string[] = []): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  for (const field of fields) {
    const found = inType(field.type, (value as Record<string, unknown>)[field.name], [...path, field.name]);
    if (found) return found;
  }
  return null;
}

function inType(type: FieldType, value: unknown, path: string[]): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (type.kind === 'record') return Object.hasOwn(value, '__proto__') ? [...path, '__proto__'] : null;
  if (type.kind === 'object') return findProtoRecordKey(type.fields, value, path);
  if (type.kind === 'list' && Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = inType(type.of, item, [...path, String(i)]);
      if (found) return found;
    }
  }
  return null;
}
