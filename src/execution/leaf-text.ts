import { GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString, isEnumType, type GraphQLLeafType } from 'graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { UNANSWERED, type WriterSource } from './writer-source.js';

/**
 * What graphql-js does with a leaf (completeLeafValue): the type's `serialize`, and an error when it
 * throws or answers null; then JSON text, as the response's JSON.stringify would write it.
 */
const serializedText = (type: GraphQLLeafType) => (value: unknown) => {
  const serialized = type.serialize(value);
  if (serialized == null) throw UNANSWERED;
  const text = JSON.stringify(serialized);
  if (text === undefined) throw UNANSWERED;
  return text;
};

/**
 * A JS expression answering the JSON text of the non-null value held in variable `x`. Values that
 * already have the JS type the built-in scalars (and SafeInt) serialize unchanged are written directly:
 * a number by `"" + x`, which is JSON.stringify's text for a finite number, a string by `q` (see
 * writer-source.ts). Anything else goes through the type's own `serialize`.
 */
export function leafText(source: WriterSource, type: GraphQLLeafType, x: string): string {
  const serialized = `${source.constant(serializedText(type))}(${x})`;
  if (type === GraphQLString || type === GraphQLID) return `(typeof ${x} === "string" ? q(${x}) : ${serialized})`;
  if (type === GraphQLInt) return `(typeof ${x} === "number" && (${x} | 0) === ${x} ? "" + ${x} : ${serialized})`;
  if (type === GraphQLFloat) return `(typeof ${x} === "number" && isFinite(${x}) ? "" + ${x} : ${serialized})`;
  if (type === GraphQLBoolean) return `(${x} === true ? "true" : ${x} === false ? "false" : ${serialized})`;
  // graphql-scalars' SafeInt answers a safe integer unchanged.
  if (type.serialize === SafeIntResolver.serialize)
    return `(typeof ${x} === "number" && Number.isSafeInteger(${x}) ? "" + ${x} : ${serialized})`;
  if (isEnumType(type)) {
    // GraphQLEnumType.serialize looks the internal value up the same way, and answers the value's name.
    const names = new Map(type.getValues().map((value) => [value.value as unknown, JSON.stringify(value.name)]));
    return `(${source.constant(names)}.get(${x}) ?? ${serialized})`;
  }
  return serialized;
}
