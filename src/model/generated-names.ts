import type { ModelDefinition } from './define-model.js';
import { nestedTypeNames } from './field-description.js';

/**
 * Type names the gateway itself defines, now or in the lock and finder features, reserved so that
 * adding those features never breaks a registry that was valid before.
 */
export const BUILT_IN_TYPE_NAMES: ReadonlySet<string> = new Set([
  'Query',
  'Mutation',
  'Subscription',
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'DateTime',
  'SafeInt',
  'JSON',
  'Model',
  'AnyModel',
  'ModelInfo',
  'ModelFieldInfo',
  'ModelInput',
  'ModelUpdate',
  'ModelCondition',
  'Node',
  'OnConflict',
  'PageInfo',
  'DeleteResult',
  'DeleteCount',
  'OrderDirection',
  'IntFilter',
  'SafeIntFilter',
  'FloatFilter',
  'StringFilter',
  'BooleanFilter',
  'DateTimeFilter',
  'IDFilter',
]);

/** Every name that starts with one of these is the gateway's. */
export const RESERVED_TYPE_PREFIXES: readonly string[] = ['Lock', '__'];

export const BUILT_IN_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'node',
  'nodes',
  'models',
  'insertMany',
  'deleteMany',
  'setTtl',
  'withLock',
  'withLocks',
  'acquireLock',
  'extendLock',
  'releaseLock',
]);

const PER_MODEL_TYPE_SUFFIXES = [
  '',
  'Input',
  'Update',
  'Set',
  'Inc',
  'Append',
  'Remove',
  'Merge',
  'Unset',
  'Condition',
  'Where',
  'OrderBy',
  'OrderField',
  'Connection',
  'Edge',
];

export const inputMemberName = (modelName: string) => modelName.charAt(0).toLowerCase() + modelName.slice(1);
export const listFieldName = (modelName: string) => `all${modelName}s`;

/** The GraphQL type names this model generates, its nested objects' and enums' included. */
export function modelTypeNames(model: ModelDefinition): string[] {
  return [...PER_MODEL_TYPE_SUFFIXES.map((suffix) => `${model.name}${suffix}`), ...nestedTypeNames(model.fields)];
}

/** The root fields this model generates (finders and deletes of the finder feature). */
export function modelRootFields(model: ModelDefinition): string[] {
  return [listFieldName(model.name), `delete${model.name}s`, `deleteAll${model.name}s`];
}
