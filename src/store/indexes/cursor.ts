import { badUserInput } from '../../errors.js';
import { MAX_KEY_BYTES } from '../../model/keys.js';

/** How an ordering pages: by pk, by a score index (numbers, booleans, dates, enums) or a lex index (strings). */
export type OrderKind = 'pk' | 'score' | 'lex';

/**
 * Where a page ends. Phase "v": among items with a value of the order field, "n": among those without.
 * The sort value is what the script pages from: the pk (pk order, and the "n" phase), the score as
 * Redis printed it (score order), or the lex index member `<escaped value>\0\0<pk>` (lex order).
 */
export type CursorPosition = [phase: 'v' | 'n', sortValue: string, pk: string];

/** A sort value is at most a field value and a pk; this bounds what a cursor can make the script read. */
export const MAX_CURSOR_LENGTH = 64 * 1024;

/** What Redis prints for a finite score: no spaces, no "inf", no "nan", no hex. */
const SCORE = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?$/;

/** Opaque to clients; it records the ordering it belongs to, so that it is not used with another. */
export const encodeCursor = (signature: string, position: CursorPosition) =>
  Buffer.from(JSON.stringify([signature, ...position])).toString('base64url');

/**
 * Accepts only a cursor the gateway could have made for this ordering: the exact encoding of a well-formed
 * position. Anything else is BAD_USER_INPUT before Redis sees it.
 */
export function decodeCursor(cursor: string, signature: string, kind: OrderKind): CursorPosition {
  const position = cursor.length <= MAX_CURSOR_LENGTH ? parse(cursor) : null;
  // Re-encoding and comparing refuses every other spelling: padding, whitespace in the JSON, escapes, another ordering.
  if (position && wellFormed(position, kind) && encodeCursor(signature, position) === cursor) return position;
  throw badUserInput('after is not a cursor of this ordering: pass an endCursor from the same query, with the same orderBy.', {
    after: cursor.length > 80 ? `${cursor.slice(0, 77)}...` : cursor,
  });
}

function parse(cursor: string): CursorPosition | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parts) || parts.length !== 4 || !parts.every((part) => typeof part === 'string')) return null;
    const [, phase, sortValue, pk] = parts as string[];
    return phase === 'v' || phase === 'n' ? [phase, sortValue as string, pk as string] : null;
  } catch {
    return null;
  }
}

/** A lone surrogate: JSON can carry one, but no stored value or pk holds one. */
const LONE_SURROGATE = /\p{Cs}/u;

function wellFormed([phase, sortValue, pk]: CursorPosition, kind: OrderKind): boolean {
  // A pk the gateway stores: not empty, within the key length.
  if (pk === '' || Buffer.byteLength(pk) > MAX_KEY_BYTES || LONE_SURROGATE.test(pk)) return false;
  if (phase === 'n' || kind === 'pk') return (kind !== 'pk' || phase === 'v') && sortValue === pk;
  if (kind === 'score') return SCORE.test(sortValue) && Number.isFinite(Number(sortValue));
  // Lex: the first "\0\0" ends the escaped value, in which every NUL is followed by \x01.
  const separator = sortValue.indexOf('\u0000\u0000');
  if (separator < 0 || sortValue.slice(separator + 2) !== pk) return false;
  const value = sortValue.slice(0, separator);
  return !value.replaceAll('\u0000\u0001', '').includes('\u0000') && !LONE_SURROGATE.test(value);
}
