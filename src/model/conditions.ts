import type { ModelDefinition } from './define-model.js';
import type { FieldDescription } from './field-description.js';

/** A value a filter compares: what a filterable field holds once decoded. */
export type FilterValue = string | number | boolean | Date;

/** Operators on one field. All given operators must hold. */
export interface FieldFilter {
  eq?: FilterValue | null;
  ne?: FilterValue | null;
  gt?: FilterValue;
  gte?: FilterValue;
  lt?: FilterValue;
  lte?: FilterValue;
  in?: readonly FilterValue[];
}

/** A condition on a model: every field filter and every combinator given must hold. `{}` holds always. */
export interface Condition {
  and?: readonly Condition[];
  or?: readonly Condition[];
  not?: Condition;
  [field: string]: FieldFilter | readonly Condition[] | Condition | undefined;
}

const FILTERABLE_KINDS = new Set(['string', 'int', 'safeInt', 'float', 'boolean', 'datetime', 'enum']);

/** The fields a condition (and a finder's `where`) may name: top-level scalars and enums. */
export const filterableFields = (model: ModelDefinition): FieldDescription[] =>
  model.fields.filter((field) => FILTERABLE_KINDS.has(field.type.kind));

/**
 * Evaluates a condition against a decoded document. The rules, shared with the finders:
 * - a null or absent value matches `eq: null`, `ne: <value>` and nothing else (no ordering, no `in`);
 * - `ne: null` matches any present value; `not` negates its whole condition;
 * - strings order by Unicode code point (UTF-8 byte order, as Redis compares), dates by instant,
 *   booleans false before true, enums by their names as strings.
 */
export function evaluateCondition(condition: Condition, value: Readonly<Record<string, unknown>>): boolean {
  for (const [name, operand] of Object.entries(condition)) {
    if (operand === undefined || operand === null) continue;
    if (name === 'and' && !(operand as Condition[]).every((each) => evaluateCondition(each, value))) return false;
    else if (name === 'or' && !(operand as Condition[]).some((each) => evaluateCondition(each, value))) return false;
    else if (name === 'not' && evaluateCondition(operand as Condition, value)) return false;
    else if (name !== 'and' && name !== 'or' && name !== 'not' && !matchesFilter(operand as FieldFilter, value[name])) return false;
  }
  return true;
}

function matchesFilter(filter: FieldFilter, actual: unknown): boolean {
  const present = actual !== null && actual !== undefined;
  if ('eq' in filter && filter.eq !== undefined) {
    if (filter.eq === null ? present : !present || compare(actual, filter.eq) !== 0) return false;
  }
  if ('ne' in filter && filter.ne !== undefined) {
    if (filter.ne === null ? !present : present && compare(actual, filter.ne) === 0) return false;
  }
  if (filter.in !== undefined && filter.in !== null && !(present && filter.in.some((candidate) => compare(actual, candidate) === 0)))
    return false;
  if (filter.gt !== undefined && filter.gt !== null && !(present && compare(actual, filter.gt) > 0)) return false;
  if (filter.gte !== undefined && filter.gte !== null && !(present && compare(actual, filter.gte) >= 0)) return false;
  if (filter.lt !== undefined && filter.lt !== null && !(present && compare(actual, filter.lt) < 0)) return false;
  if (filter.lte !== undefined && filter.lte !== null && !(present && compare(actual, filter.lte) <= 0)) return false;
  return true;
}

/** Total order of two values of one field's type. */
export function compare(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareCodePoints(String(a), String(b));
}

/** JavaScript's `<` compares UTF-16 code units, which disagrees with code point order above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
