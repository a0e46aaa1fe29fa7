import { badUserInput, immutableKey } from '../errors.js';
import { compare } from './conditions.js';
import type { ModelDefinition } from './define-model.js';
import type { FieldDescription, FieldType } from './field-description.js';
import { validateValue } from './validate.js';

/**
 * Changes to one document, applied to the document as stored (so that holders of different locks on
 * one key never overwrite each other's fields), in this order: set, inc, append, remove, merge, unset.
 */
export interface Update {
  /** New values. null makes a nullable field null and removes an optional one. */
  set?: Record<string, unknown> | undefined;
  /** Amounts to add to numeric fields. */
  inc?: Record<string, number | undefined> | undefined;
  /** Items to add at the end of list fields. */
  append?: Record<string, readonly unknown[] | undefined> | undefined;
  /** Items to take out of list fields: every occurrence of each. */
  remove?: Record<string, readonly unknown[] | undefined> | undefined;
  /** Entries to add to or replace in record fields (shallow). */
  merge?: Record<string, Record<string, unknown> | undefined> | undefined;
  /** Keys to delete from record fields. */
  unset?: Record<string, readonly string[] | undefined> | undefined;
}

type Operation = keyof Update;
const NUMERIC = new Set(['int', 'safeInt', 'float']);
const ACCEPTS: Record<Operation, (type: FieldType) => boolean> = {
  set: () => true,
  inc: (type) => NUMERIC.has(type.kind),
  append: (type) => type.kind === 'list',
  remove: (type) => type.kind === 'list',
  merge: (type) => type.kind === 'record',
  unset: (type) => type.kind === 'record',
};

/** The fields an operation applies to: `set` takes every field, the others only fields of their kind. */
export const fieldsFor = (model: ModelDefinition, operation: Operation) => model.fields.filter((field) => ACCEPTS[operation](field.type));

/** Applies an update to a decoded document and validates the result (VALIDATION_FAILED, IMMUTABLE_KEY, BAD_USER_INPUT). */
export function applyUpdate(model: ModelDefinition, current: Readonly<Record<string, unknown>>, update: Update): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  const each = <T>(operation: Operation, apply: (field: FieldDescription, operand: T) => void) => {
    for (const [name, operand] of Object.entries(update[operation] ?? {})) {
      if (operand === undefined) continue;
      const field = model.fields.find((candidate) => candidate.name === name);
      if (!field || !ACCEPTS[operation](field.type)) {
        throw badUserInput(
          `"${operation}" cannot change ${model.name}.${name}: no such ${operation === 'set' ? '' : `${operation}-able `}field.`,
          { field: name },
        );
      }
      apply(field, operand as T);
    }
  };

  each<unknown>('set', (field, value) => {
    if (field.name === model.keyField && compare(value, current[field.name]) !== 0) throw immutableKey(model.name, field.name);
    if (value === null && !field.acceptsNull) delete next[field.name];
    else next[field.name] = value;
  });
  each<number>('inc', (field, amount) => {
    if (field.name === model.keyField && amount !== 0) throw immutableKey(model.name, field.name);
    const before = next[field.name];
    if (typeof before !== 'number')
      throw badUserInput(`inc cannot add to ${model.name}.${field.name}, which holds ${JSON.stringify(before ?? null)}.`, {
        field: field.name,
      });
    next[field.name] = before + amount;
  });
  each<readonly unknown[]>('append', (field, items) => {
    next[field.name] = [...asList(next[field.name]), ...items];
  });
  each<readonly unknown[]>('remove', (field, items) => {
    next[field.name] = asList(next[field.name]).filter((item) => !items.some((gone) => sameValue(item, gone)));
  });
  each<Record<string, unknown>>('merge', (field, entries) => {
    next[field.name] = { ...asRecord(next[field.name]), ...entries };
  });
  each<readonly string[]>('unset', (field, keys) => {
    const record = { ...asRecord(next[field.name]) };
    for (const key of keys) delete record[key];
    next[field.name] = record;
  });
  return validateValue(model, next) as Record<string, unknown>;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

/** Equality for list items: dates by instant, objects by their JSON. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a === 'object' && a !== null) return JSON.stringify(a) === JSON.stringify(b);
  return Object.is(a, b) || a === b;
}
