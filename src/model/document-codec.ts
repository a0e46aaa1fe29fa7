import { corruptValue } from '../errors.js';
import type { ModelDefinition } from './define-model.js';
import { containsDates, type FieldDescription, type FieldType } from './field-description.js';
import { compileFastCheck } from './compiled-check.js';
import { compileFieldsCheck, isObject, StructureFailure } from './structural-check.js';
import { zodOnlyFeature } from './zod-only-features.js';

/**
 * The stored form of an instance: its validated fields as one JSON text. Dates are ISO-8601 strings
 * (Date.prototype.toJSON); the pk is not repeated inside, it is the key's suffix.
 */
export const encodeDocument = (value: unknown): string => JSON.stringify(value);

type Read = (parsed: unknown, model: ModelDefinition, key: string, raw: string) => unknown;
const readers = new WeakMap<ModelDefinition, Read>();
const revivers = new WeakMap<ModelDefinition, ((value: unknown) => unknown) | null>();

/**
 * Parses a stored document and checks its structure, the read path that serves GraphQL and the store's
 * reads: a value that is not JSON or not shaped like the model is CORRUPT_VALUE for that key alone. Every
 * write validated the document with zod in full, so reads do not run the refinements again (lengths,
 * formats, bounds): see docs/storage.md. Models whose read result only zod can produce (a strict object,
 * a .readonly(), a rewriting check such as trim()) are read with zod in full, decided once per model.
 */
export function decodeDocument(model: ModelDefinition, key: string, raw: string): unknown {
  return readerOf(model)(parseJson(key, raw), model, key, raw);
}

/**
 * Parses a stored document and validates it with the model's zod schema in full, refinements included:
 * for the paths that write back what they read (lock saves, reindexing), so that they never build on a
 * value a write would refuse.
 */
export function decodeAndValidateDocument(model: ModelDefinition, key: string, raw: string): unknown {
  return validateWithZod(parseJson(key, raw), model, key);
}

function parseJson(key: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw corruptValue(key, 'it is not JSON');
  }
}

const corruptField = (model: ModelDefinition, key: string, path: string, reason: string) =>
  corruptValue(key, `field "${path}" ${reason} against model ${model.name}`);

function readerOf(model: ModelDefinition): Read {
  let read = readers.get(model);
  if (read === undefined) {
    read = zodOnlyFeature(model.schema) === null ? structuralReader(model) : validateWithZod;
    readers.set(model, read);
  }
  return read;
}

function structuralReader(model: ModelDefinition): Read {
  const fast = compileFastCheck(model.fields, model.schema.shape);
  const explain = compileFieldsCheck(model.fields, model.schema.shape);
  return (parsed, _model, key, raw) => {
    const checked = isObject(parsed) ? fast(parsed) : undefined;
    if (checked !== undefined) return checked;
    // The fast check may have settled some fields before it failed: explain from a fresh parse.
    const fresh: unknown = JSON.parse(raw);
    if (!isObject(fresh)) throw corruptField(model, key, '', `Invalid input: expected object, received ${receivedType(fresh)}`);
    const failure = explain(fresh);
    if (failure instanceof StructureFailure) throw corruptField(model, key, failure.path.join('.'), failure.reason);
    // Both checks hold the same rules; should they ever disagree, the document is served as the explaining check settled it.
    return failure;
  };
}

const receivedType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function validateWithZod(parsed: unknown, model: ModelDefinition, key: string): unknown {
  const revive = reviverFor(model);
  const result = model.schema.safeParse(revive ? revive(parsed) : parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw corruptField(model, key, issue?.path.join('.') ?? '', issue?.message ?? 'does not validate');
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
