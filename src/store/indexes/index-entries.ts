import type { ModelDefinition } from '../../model/define-model.js';
import type { FieldDescription } from '../../model/field-description.js';

/**
 * How a field is indexed: by lex order of its text (strings), or by score (numbers, booleans, dates,
 * and enums, scored by their names' rank in code point order, so that score order is name order and
 * an equality is one score range instead of a pass over the matches).
 */
export const indexKind = (field: FieldDescription): 'score' | 'lex' => (field.type.kind === 'string' ? 'lex' : 'score');

/** An enum value's score: its rank among the enum's values sorted by code point. -1 for no value of the enum. */
function enumRank(type: FieldDescription['type'], value: unknown): number {
  if (type.kind !== 'enum') return NaN;
  return sortedEnumValues(type.values).indexOf(String(value));
}

const sortedEnumValues = (values: readonly string[]) => [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** A field value's score in its index. */
export const fieldScore = (field: FieldDescription, value: unknown) =>
  field.type.kind === 'enum' ? enumRank(field.type, value) : scoreOf(value);

/** One entry: [field, "s", score], [field, "l", member], or [field, "n"] for a null or absent value. */
export type IndexEntry = [string, 's', number] | [string, 'l', string] | [string, 'n'];

const SEPARATOR = '\u0000\u0000';

/**
 * A value's text in a lex index, and the separator before its pk. NUL becomes NUL SOH, so the value
 * never holds two NULs in a row and the first "\0\0" of a member ends it; byte order is kept, since
 * "\0\0" sorts below every escaped continuation. Valid UTF-8 never holds the byte 0xFF, so
 * `prefix + "\xff"` is above every member with that value.
 */
export const lexEscape = (text: string) => text.replaceAll('\u0000', '\u0000\u0001');
export const lexMember = (text: string, pk: string) => lexEscape(text) + SEPARATOR + pk;

/** A value's score: numbers as they are, booleans 0 and 1, dates their epoch milliseconds. */
export function scoreOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number(value);
}

/** The entries a document puts in its model's indexes; a null or absent value goes in the field's `@null` set. */
export function indexEntries(model: ModelDefinition, pk: string, value: Readonly<Record<string, unknown>>): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const field of model.indexed) {
    const fieldValue = value[field.name];
    if (fieldValue === null || fieldValue === undefined) entries.push([field.name, 'n']);
    else
      entries.push(
        indexKind(field) === 'lex'
          ? [field.name, 'l', lexMember(String(fieldValue), pk)]
          : [field.name, 's', fieldScore(field, fieldValue)],
      );
  }
  return entries;
}

/** The index definition, as stored in `@meta` to tell when the stored index was built another way. */
export const indexDefinition = (model: ModelDefinition) =>
  JSON.stringify(
    // An enum's scores are ranks among its values: a new value shifts them, so the values are part of the definition.
    model.indexed.map((field) =>
      field.type.kind === 'enum' ? [field.name, indexKind(field), sortedEnumValues(field.type.values)] : [field.name, indexKind(field)],
    ),
  );
