import type { z } from 'zod';

interface ZodNode {
  _zod: {
    def: {
      type: string;
      coerce?: boolean;
      checks?: ReadonlyArray<{ _zod: { def: { check: string } } }>;
      innerType?: z.ZodType;
      element?: z.ZodType;
      shape?: Record<string, z.ZodType>;
      valueType?: z.ZodType;
      catchall?: z.ZodType;
    };
  };
}

/** Types whose zod parse hands back the very value it was given, when it succeeds. */
const PASS_THROUGH = new Set(['unknown', 'any', 'string', 'number', 'boolean', 'null', 'enum', 'literal']);

/**
 * The first thing in a model's schema whose read result the structural check would not reproduce, or
 * null when there is none. Such models are read with zod in full. A refinement (min, max, email, regex,
 * refine) is not among these: it only refuses, and reads leave it to writes.
 */
export function zodOnlyFeature(schema: z.ZodType): string | null {
  const { def } = (schema as unknown as ZodNode)._zod;
  if (def.coerce) return `z.coerce (${def.type})`;
  // trim(), toLowerCase() and the like rewrite the value as they check it.
  if (def.checks?.some((check) => check._zod.def.check === 'overwrite')) return `a rewriting check on ${def.type}`;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return zodOnlyFeature(def.innerType as z.ZodType);
    case 'prefault':
    case 'readonly':
      return `.${def.type}()`;
    case 'array':
      return zodOnlyFeature(def.element as z.ZodType);
    case 'record':
      // A record is checked as a plain object; zod would rebuild values it strips or fills.
      return changesRecordValues(def.valueType as z.ZodType) ? 'a record whose values zod strips, fills or rewrites' : null;
    case 'object':
      if (def.catchall) return 'a strict, loose or catchall object';
      for (const field of Object.values(def.shape ?? {})) {
        const feature = zodOnlyFeature(field);
        if (feature) return feature;
      }
      return null;
    default:
      return null;
  }
}

function changesRecordValues(schema: z.ZodType): boolean {
  const { def } = (schema as unknown as ZodNode)._zod;
  if (def.coerce || def.checks?.some((check) => check._zod.def.check === 'overwrite')) return true;
  if (PASS_THROUGH.has(def.type)) return false;
  if (def.type === 'optional' || def.type === 'nullable') return changesRecordValues(def.innerType as z.ZodType);
  if (def.type === 'array') return changesRecordValues(def.element as z.ZodType);
  if (def.type === 'record') return changesRecordValues(def.valueType as z.ZodType);
  return true;
}
