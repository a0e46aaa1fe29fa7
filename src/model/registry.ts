import { invalidModelDefinition, modelNotFound } from '../errors.js';
import type { ModelDefinition } from './define-model.js';
import { BUILT_IN_ROOT_FIELDS, BUILT_IN_TYPE_NAMES, modelRootFields, modelTypeNames, RESERVED_TYPE_PREFIXES } from './generated-names.js';
import { parseKey, type ParsedKey } from './keys.js';
import { assertReferencesRegistered } from './model-references.js';

export interface ResolvedKey extends ParsedKey {
  model: ModelDefinition;
}

export interface Registry {
  readonly models: readonly ModelDefinition[];
  get(name: string): ModelDefinition | undefined;
  /** Parses a key and finds its model: INVALID_KEY or MODEL_NOT_FOUND otherwise. */
  resolveKey(key: string): ResolvedKey;
}

/** Checks that no two models, and no model and the gateway, generate the same GraphQL name. */
export function createRegistry(models: readonly ModelDefinition[]): Registry {
  const byName = new Map<string, ModelDefinition>();
  const typeOwners = new Map<string, string>();
  const fieldOwners = new Map<string, string>();
  // Owners are described as the message names them: `model "User"` or `the gateway`.
  const claim = (owners: Map<string, string>, name: string, modelName: string, what: string) => {
    const owner = `model "${modelName}"`;
    const previous = owners.get(name);
    if (previous !== undefined && previous !== owner) {
      throw invalidModelDefinition(
        `Model "${modelName}" generates the ${what} "${name}", which ${previous} already defines. Rename the model or field.`,
      );
    }
    owners.set(name, owner);
  };
  BUILT_IN_TYPE_NAMES.forEach((name) => typeOwners.set(name, 'the gateway'));
  BUILT_IN_ROOT_FIELDS.forEach((name) => fieldOwners.set(name, 'the gateway'));

  for (const model of models) {
    if (byName.has(model.name)) throw invalidModelDefinition(`Model "${model.name}" is registered twice.`);
    for (const typeName of modelTypeNames(model)) {
      const prefix = RESERVED_TYPE_PREFIXES.find((reserved) => typeName.startsWith(reserved));
      if (prefix)
        throw invalidModelDefinition(
          `Model "${model.name}" generates the type "${typeName}", but names starting with "${prefix}" are reserved.`,
        );
      claim(typeOwners, typeName, model.name, 'type');
    }
    modelRootFields(model).forEach((field) => claim(fieldOwners, field, model.name, 'root field'));
    byName.set(model.name, model);
  }
  assertReferencesRegistered(models, (name) => byName.get(name));

  return {
    models: [...models],
    get: (name) => byName.get(name),
    resolveKey(key) {
      const parsed = parseKey(key);
      const model = byName.get(parsed.modelName);
      if (!model) throw modelNotFound(key, parsed.modelName);
      // A literal, not a spread: V8 makes `{ ...parsed, model }` a slow path, and this runs for every key read.
      return { key: parsed.key, modelName: parsed.modelName, pk: parsed.pk, model };
    },
  };
}
