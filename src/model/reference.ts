import { z } from 'zod';
import type { ModelDefinition } from './define-model.js';
import { parseKey } from './keys.js';

/**
 * The model a reference points at: the definition itself, a function returning it (for a model
 * defined later in the file, or the model itself), or its name. A function or a name is resolved when
 * the registry is made, which checks that the model is registered.
 */
export type ReferenceTarget = ModelDefinition | (() => ModelDefinition) | string;

export interface ReferenceOptions {
  /** The GraphQL field that resolves the reference. @default the field's name without its `Id` or `Key` suffix */
  as?: string | undefined;
}

/** What `ref()` attaches to its zod check, found again by `describeFields` through any wrapper or chained check. */
export interface Reference {
  /** The target model's name (calls a lazy target). */
  targetName(): string;
  /** The target's definition when one was given, directly or lazily; null when named by a string. */
  targetModel(): ModelDefinition | null;
  readonly as: string | undefined;
}

const references = new WeakMap<object, Reference>();

/**
 * A field holding the key of another model's instance, `<Target>:<pk>`: stored as that string, indexed
 * and filtered as a string, and served in GraphQL both as the key and as a resolved field (`userId` and
 * `user`). The value is checked on every write: a key of another model is VALIDATION_FAILED naming the field.
 *
 * Wrap it as any zod string (`ref(User).optional()`); use it as a model's own field, not inside a list
 * or a nested object.
 */
export function ref(target: ReferenceTarget, options: ReferenceOptions = {}): z.ZodString {
  const targetModel = () => (typeof target === 'string' ? null : typeof target === 'function' ? target() : target);
  const reference: Reference = {
    targetName: () => (typeof target === 'string' ? target : (targetModel() as ModelDefinition).name),
    targetModel,
    as: options.as,
  };
  // The check, not the schema, carries the reference: zod clones a schema for every chained method, but
  // keeps its checks, so `ref(User).min(5)` is still a reference.
  const check = z.refine((value: unknown) => typeof value === 'string' && isKeyOf(value, reference.targetName()), {
    error: (issue) => notAKeyOf(reference.targetName(), issue.input),
  });
  references.set(check, reference);
  return z.string().check(check);
}

/** Why a value is no reference to `modelName`: the same words on writes (VALIDATION_FAILED) and reads (CORRUPT_VALUE). */
export function notAKeyOf(modelName: string, value: unknown): string {
  const given = JSON.stringify(value) ?? String(value);
  return `must be the key of a ${modelName}, "${modelName}:<pk>", not ${given.length > 80 ? `${given.slice(0, 77)}...` : given}`;
}

/** Resolving a reference reads that key as the target model, so reads check it as writes do. */
export function isKeyOf(value: string, modelName: string): boolean {
  try {
    return parseKey(value).modelName === modelName;
  } catch {
    return false;
  }
}

/** The reference a zod string schema was made with by `ref()`, if any. */
export function referenceOf(schema: z.ZodType): Reference | undefined {
  const checks = (schema as unknown as { _zod: { def: { checks?: readonly object[] } } })._zod.def.checks ?? [];
  for (const check of checks) {
    const reference = references.get(check);
    if (reference) return reference;
  }
  return undefined;
}
