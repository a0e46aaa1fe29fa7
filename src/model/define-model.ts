import { z } from 'zod';
import { invalidModelDefinition } from '../errors.js';
import { createDraft, type DraftOptions } from './create-draft.js';
import { describeFields, type FieldDescription } from './field-description.js';
import { modelReferences, type ModelReference } from './model-references.js';

export interface ModelOptions<Shape extends z.ZodRawShape> {
  /** Seconds an instance lives after its last write (or read, with `refreshTtl`). @default no expiry */
  ttl?: number | undefined;
  /** Every read that returns the model, and every write, resets its TTL to `ttl`. @default true */
  refreshTtl?: boolean | undefined;
  /** A string or integer field whose value is the pk, instead of a generated UUIDv7. It can never change. */
  key?: (keyof Shape & string) | undefined;
  /** Fields the finders may filter and order by: string, integer, float, boolean, enum or date fields. */
  index?: ReadonlyArray<keyof Shape & string> | undefined;
}

/** A validated instance not yet stored: its key is known before it is saved, so models can refer to each other in one insert. */
export interface Draft<S extends z.ZodObject = z.ZodObject> {
  model: ModelDefinition<S>;
  pk: string;
  key: string;
  value: z.output<S>;
}

export interface ModelDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly schema: S;
  readonly ttl: number | null;
  readonly refreshTtl: boolean;
  readonly keyField: string | null;
  /** The indexed fields, in the order given. */
  readonly indexed: readonly FieldDescription[];
  readonly fields: readonly FieldDescription[];
  /** The fields made with `ref()`, each with the name of the GraphQL field that resolves it. */
  readonly references: readonly ModelReference[];
  /** Validates `value` (VALIDATION_FAILED otherwise) and gives it a pk: the key field's value, `pk`, or a new UUIDv7. */
  create(value: z.input<S>, options?: Pick<DraftOptions, 'pk'>): Draft<S>;
}

const MODEL_NAME = /^[A-Z][A-Za-z0-9_]*$/;
/** 2^31 - 1 seconds, about 68 years. */
export const MAX_TTL_SECONDS = 2 ** 31 - 1;
/** `id` repeats the key, under the name client caches (Apollo, Relay, urql) normalize by. */
const RESERVED_FIELDS = new Set(['id', 'key', 'pk', 'ttl']);

export function defineModel<S extends z.ZodObject>(name: string, schema: S, options: ModelOptions<S['shape']> = {}): ModelDefinition<S> {
  if (!MODEL_NAME.test(name)) throw invalidModelDefinition(`Model name "${name}" must match ${MODEL_NAME}.`);
  if (!(schema instanceof z.ZodObject)) throw invalidModelDefinition(`Model "${name}" must be declared with z.object(...).`);
  const fields = describeFields(name, schema.shape, name);
  const reserved = fields.find((field) => RESERVED_FIELDS.has(field.name));
  if (reserved)
    throw invalidModelDefinition(`Model "${name}" declares field "${reserved.name}", a name the gateway reserves (id, key, pk, ttl).`);
  const references = modelReferences(name, fields);

  const { ttl = null, refreshTtl = true, key: keyField = null } = options;
  // The cap keeps every TTL a GraphQL Int, and far below what Redis's EXPIRE refuses mid-script.
  if (ttl !== null && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_TTL_SECONDS)) {
    throw invalidModelDefinition(`Model "${name}" has ttl ${ttl}; a ttl is a whole number of seconds from 1 to ${MAX_TTL_SECONDS}.`);
  }
  if (keyField !== null) {
    const field = fields.find((candidate) => candidate.name === keyField);
    const kind = field?.type.kind;
    if (!field || field.optional || field.nullable || !(kind === 'string' || kind === 'int' || kind === 'safeInt')) {
      throw invalidModelDefinition(
        `Model "${name}" names key field "${keyField}"; a key field is a required string or integer field of the model.`,
      );
    }
  }

  const indexed = (options.index ?? []).map((fieldName) => indexedField(name, fields, fieldName));
  if (new Set(indexed).size !== indexed.length) throw invalidModelDefinition(`Model "${name}" lists an indexed field twice.`);

  const model: ModelDefinition<S> = {
    name,
    indexed,
    schema,
    ttl,
    refreshTtl,
    keyField,
    fields,
    references,
    create: (input, draftOptions) => createDraft(model, input, draftOptions),
  };
  return model;
}

const INDEXABLE = new Set(['string', 'int', 'safeInt', 'float', 'boolean', 'enum', 'datetime']);

function indexedField(model: string, fields: readonly FieldDescription[], name: string): FieldDescription {
  const field = fields.find((candidate) => candidate.name === name);
  if (!field || !INDEXABLE.has(field.type.kind)) {
    throw invalidModelDefinition(
      `Model "${model}" indexes "${name}", which is ${field ? `a ${field.type.kind} field` : 'no field of the model'}; only string, integer, float, boolean, enum and date fields can be indexed.`,
    );
  }
  return field;
}
