import type { z } from 'zod';
import type { FieldDescription, FieldType } from './field-description.js';
import { isKeyOf, notAKeyOf } from './reference.js';
import { acceptsNullItems, defOf, outermostDefault, unwrap } from './zod-wrappers.js';

/** Why a stored value does not have the structure its model serves, and where, from the document's top. */
export class StructureFailure {
  readonly path: Array<string | number> = [];
  constructor(readonly reason: string) {}

  within(key: string | number): this {
    this.path.unshift(key);
    return this;
  }
}

type Slot = Record<string | number, unknown>;
/**
 * Checks `slot[key]` and settles it in place: revives dates, fills defaults, strips unknown keys.
 * Answers undefined when it holds, so the happy path allocates nothing beyond the Dates it revives.
 */
type SlotCheck = (slot: Slot, key: string | number) => StructureFailure | undefined;
/** Checks an object's fields; answers the object to serve (itself, or a copy without unknown keys). */
export type FieldsCheck = (value: Slot) => Slot | StructureFailure;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The read-side check of a model's documents, built once from its field descriptions (the zod shape is
 * walked beside them only for defaults and item nullability). It checks what serving a value relies on:
 * types, integer ranges, finite floats, dates that parse, enum values, nullability, required fields; not
 * the refinements (lengths, formats, bounds), which every write path enforces with zod. It settles the
 * value as zod would: dates revived, defaults filled, unknown keys stripped.
 *
 * This is the reference form, and the one that says where and why a document fails; compiled-check.ts
 * generates the same rules as straight-line code for the happy path.
 */
export function compileFieldsCheck(fields: readonly FieldDescription[], shape: Readonly<Record<string, z.ZodType>>): FieldsCheck {
  const names = fields.map((field) => field.name);
  const checks = fields.map((field) => fieldCheck(field, shape[field.name] as z.ZodType));
  const count = names.length;
  return (value) => {
    let own = 0;
    for (const _ in value) own++;
    let present = 0;
    for (let i = 0; i < count; i++) {
      const name = names[i] as string;
      if (value[name] !== undefined) present++;
      const failure = (checks[i] as SlotCheck)(value, name);
      if (failure !== undefined) return failure.within(name);
    }
    // zod strips keys the model does not name; so must reads, or a lock save could write them back.
    return present === own ? value : onlyFields(value, names);
  };
}

function onlyFields(value: Slot, names: readonly string[]): Slot {
  const kept: Slot = {};
  for (const name of names) if (Object.prototype.hasOwnProperty.call(value, name)) kept[name] = value[name];
  return kept;
}

/** Null, absence and defaults as zod treats them on the way in; the value itself to the type's check. */
function fieldCheck(field: FieldDescription, schema: z.ZodType): SlotCheck {
  const defaulted = outermostDefault(schema);
  const check = typeCheck(field.type, unwrap(schema));
  const { acceptsNull, optional } = field;
  return (slot, key) => {
    const value = slot[key];
    if (value === null && acceptsNull) return undefined;
    if (value === undefined) {
      // zod fills a default on read (a field added to the model later); the getter hands out a fresh copy.
      if (defaulted) slot[key] = defaulted.defaultValue;
      else if (!optional) return check(slot, key);
      return undefined;
    }
    return check(slot, key);
  };
}

function typeCheck(type: FieldType, schema: z.ZodType): SlotCheck {
  switch (type.kind) {
    case 'string': {
      if (!type.reference) return (slot, key) => (typeof slot[key] === 'string' ? undefined : expected('string', slot[key]));
      const target = type.reference.targetName();
      return (slot, key) => {
        const value = slot[key];
        if (typeof value !== 'string') return expected('string', value);
        return isKeyOf(value, target) ? undefined : new StructureFailure(notAKeyOf(target, value));
      };
    }
    case 'boolean':
      return (slot, key) => (typeof slot[key] === 'boolean' ? undefined : expected('boolean', slot[key]));
    case 'float':
      // JSON has no NaN, but 1e400 parses to Infinity.
      return (slot, key) => (Number.isFinite(slot[key]) ? undefined : expected('number', slot[key]));
    case 'int':
      return integerCheck(INT32_MIN, INT32_MAX);
    case 'safeInt':
      return integerCheck(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'datetime':
      return dateCheck;
    case 'enum': {
      const values = new Set<unknown>(type.values);
      const reason = `Invalid option: expected one of ${type.values.map((value) => `"${value}"`).join('|')}`;
      return (slot, key) => (values.has(slot[key]) ? undefined : new StructureFailure(reason));
    }
    case 'record':
      return recordCheck;
    case 'object': {
      const check = compileFieldsCheck(type.fields, defOf(schema).shape ?? {});
      return (slot, key) => {
        const value = slot[key];
        if (!isObject(value)) return expected('object', value);
        const checked = check(value);
        if (checked instanceof StructureFailure) return checked;
        if (checked !== value) slot[key] = checked;
        return undefined;
      };
    }
    case 'list': {
      const element = defOf(schema).element as z.ZodType;
      const itemsAcceptNull = acceptsNullItems(element);
      const check = typeCheck(type.of, unwrap(element));
      return (slot, key) => {
        const items = slot[key];
        if (!Array.isArray(items)) return expected('array', items);
        for (let i = 0; i < items.length; i++) {
          if (items[i] === null && itemsAcceptNull) continue;
          const failure = check(items as unknown as Slot, i);
          if (failure !== undefined) return failure.within(i);
        }
        return undefined;
      };
    }
  }
}

function integerCheck(min: number, max: number): SlotCheck {
  return (slot, key) => {
    const value = slot[key];
    if (!Number.isInteger(value)) return expected(typeof value === 'number' && Number.isFinite(value) ? 'int' : 'number', value);
    if ((value as number) < min) return new StructureFailure(`Too small: expected int to be >=${min}`);
    if ((value as number) > max) return new StructureFailure(`Too big: expected int to be <=${max}`);
    return undefined;
  };
}

const dateCheck: SlotCheck = (slot, key) => {
  const value = slot[key];
  if (typeof value !== 'string') return expected('date', value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return new StructureFailure(`Invalid input: expected date, received a string that is no date`);
  slot[key] = date;
  return undefined;
};

/** Values are not checked: GraphQL serves a record as JSON, whatever it holds. */
const recordCheck: SlotCheck = (slot, key) => {
  const value = slot[key];
  if (!isObject(value)) return expected('record', value);
  // JSON.parse makes "__proto__" an own key; zod leaves it out of a record, and so do reads.
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) {
    const kept: Slot = {};
    for (const name of Object.keys(value)) if (name !== '__proto__') kept[name] = value[name];
    slot[key] = kept;
  }
  return undefined;
};

export const isObject = (value: unknown): value is Slot => typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod's wording, so that a reason reads the same whichever check found it. */
const expected = (type: string, value: unknown) => new StructureFailure(`Invalid input: expected ${type}, received ${received(value)}`);

function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
