import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
}

export const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default']);

/** The type under optional, nullable and default, in whatever order they nest. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (WRAPPERS.has(defOf(inner).type)) inner = defOf(inner).innerType as z.ZodType;
  return inner;
}

/**
 * The default zod gives an absent value: the first met from the outside, since optional and nullable
 * hand undefined on to a default inside them, and a default answers without asking what it wraps.
 */
export function outermostDefault(schema: z.ZodType): Def | null {
  for (let def = defOf(schema); WRAPPERS.has(def.type); def = defOf(def.innerType as z.ZodType)) {
    if (def.type === 'default') return def;
  }
  return null;
}

/** Whether a list's items may be null: only a nullable says so (JSON has no undefined for optional). */
export function acceptsNullItems(element: z.ZodType): boolean {
  for (let def = defOf(element); WRAPPERS.has(def.type); def = defOf(def.innerType as z.ZodType)) {
    if (def.type === 'nullable') return true;
  }
  return false;
}
