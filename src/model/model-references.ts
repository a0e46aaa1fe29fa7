import { invalidModelDefinition } from '../errors.js';
import type { ModelDefinition } from './define-model.js';
import type { FieldDescription, FieldType } from './field-description.js';
import type { Reference } from './reference.js';

/** A model's field made with `ref()`, and the name of the field that resolves it. */
export interface ModelReference {
  /** The field holding the key, e.g. `userId`. */
  readonly field: string;
  /** The resolved field, e.g. `user`. */
  readonly as: string;
  readonly reference: Reference;
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
/** Names every model type has, or will have (`id` for client caches): a resolved field may not take them. */
const TAKEN = new Set(['key', 'pk', 'ttl', 'id']);
const SUFFIX = /^(.+)(Id|Key)$/;

/**
 * The references among a model's fields, each with its resolved field's name. Refuses a reference
 * inside a list or nested object (resolving it would need a field on a type the model does not own),
 * and a resolved name that another field already has.
 */
export function modelReferences(modelName: string, fields: readonly FieldDescription[]): ModelReference[] {
  for (const field of fields) {
    const nested = field.type.kind === 'string' ? null : findNestedReference(field.type, `${modelName}.${field.name}`);
    if (nested)
      throw invalidModelDefinition(
        `Field "${nested}" is a ref() inside a list or nested object; only a model's own fields can be references. Use z.string() there, or move the reference up to the model.`,
      );
  }
  const references: ModelReference[] = [];
  for (const field of fields) {
    if (field.type.kind !== 'string' || !field.type.reference) continue;
    const { reference } = field.type;
    const as = reference.as ?? SUFFIX.exec(field.name)?.[1];
    const path = `${modelName}.${field.name}`;
    if (as === undefined)
      throw invalidModelDefinition(
        `Field "${path}" is a reference, and its resolved field needs a name: end the field's name in "Id" or "Key" (${field.name}Id gives ${field.name}), or pass ref(target, { as: '<name>' }).`,
      );
    if (!GRAPHQL_NAME.test(as) || as.startsWith('__'))
      throw invalidModelDefinition(`Field "${path}" resolves as "${as}", a name GraphQL cannot use: names match ${GRAPHQL_NAME}.`);
    const other = fields.find((candidate) => candidate.name === as)?.name ?? references.find((each) => each.as === as)?.field;
    if (other !== undefined || TAKEN.has(as))
      throw invalidModelDefinition(
        `Field "${path}" resolves as "${as}", which ${other === undefined ? 'every model type has' : `field "${other}" of ${modelName} already ${other === as ? 'is' : 'resolves as'}`}; pass ref(target, { as: '<another name>' }).`,
      );
    references.push({ field: field.name, as, reference });
  }
  return references;
}

function findNestedReference(type: FieldType, path: string): string | null {
  if (type.kind === 'string') return type.reference ? path : null;
  if (type.kind === 'list') return findNestedReference(type.of, `${path}[]`);
  if (type.kind === 'object') {
    for (const field of type.fields) {
      const found = findNestedReference(field.type, `${path}.${field.name}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Checked when the registry is made, once every model is known: each reference's target must be a
 * registered model, so that a lazy `ref(() => Model)` or `ref('Model')` naming a model defined later,
 * or the model itself, is checked like a direct one.
 */
export function assertReferencesRegistered(models: readonly ModelDefinition[], get: (name: string) => ModelDefinition | undefined) {
  for (const model of models) {
    for (const { field, reference } of model.references) {
      const path = `${model.name}.${field}`;
      let name: string;
      let given: ModelDefinition | null;
      try {
        given = reference.targetModel();
        name = reference.targetName();
      } catch (error) {
        throw invalidModelDefinition(
          `Field "${path}" refers to a model through a function that threw (${error instanceof Error ? error.message : String(error)}); it must return a model made by defineModel.`,
        );
      }
      const registered = get(name);
      if (!registered)
        throw invalidModelDefinition(
          `Field "${path}" refers to model "${name}", which is not registered; pass ${name} with the other models.`,
        );
      if (given !== null && given !== registered)
        throw invalidModelDefinition(
          `Field "${path}" refers to a model "${name}" other than the one registered under that name; refer to the registered definition.`,
        );
    }
  }
}
