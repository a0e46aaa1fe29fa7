import { corruptValue } from '../errors.js';
import type { ModelDefinition } from './define-model.js';
import { containsDates, type FieldDescription, type FieldType } from './field-description.js';

/**
 * The stored form of an instance: its validated fields as one JSON text. Dates are ISO-8601 strings
 * (Date.prototype.toJSON); the pk is not repeated inside, it is the key's suffix.
 */
export const encodeDocument = (value: unknown): string => JSON.stringify(value);

const revivers = new WeakMap<ModelDefinition, ((value: unknown) => unknown) | null>();

/** Parses and validates a stored document; a value that fails either is CORRUPT_VALUE for that key alone. */
export function decodeDocument(model: ModelDefinition, key: string, raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw corruptValue(key, 'it is not JSON');
  }
  const revive = reviverFor(model);
  const result = model.schema.safeParse(revive ? revive(parsed) : parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw corruptValue(key, `field "${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'does not validate'} against model ${model.name}`);
  }
  return result.data;
}

/** Built once per model, and only for models that hold dates: most documents decode with JSON.parse and zod alone. */
function reviverFor(model: ModelDefinition) {
  let reviver = revivers.get(model);
  if (reviver === undefined) {
    reviver = model.fields.some((field) => containsDates(field.type)) ? (value) => reviveFields(model.fields, value) : null;
    revivers.set(model, reviver);
  }
  return reviver;
}

function reviveFields(fields: readonly FieldDescription[], value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  for (const field of fields) {
    if (containsDates(field.type) && field.name in record) record[field.name] = reviveType(field.type, record[field.name]);
  }
  return record;
}

function reviveType(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (type.kind === 'datetime') return typeof value === 'string' ? new Date(value) : value;
  if (type.kind === 'list') return Array.isArray(value) ? value.map((item) => reviveType(type.of, item)) : value;
  if (type.kind === 'object') return reviveFields(type.fields, value);
  return value;
}
