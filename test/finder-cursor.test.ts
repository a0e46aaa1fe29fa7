import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH, type CursorPosition, type OrderKind } from '../src/store/indexes/cursor.js';
import { lexMember } from '../src/store/indexes/index-entries.js';
import { gatewayError } from './helpers/gateway-error.js';

/*
 * Cursors, without Redis: only a cursor the gateway could have made for the ordering is accepted; anything
 * else is BAD_USER_INPUT before Redis sees it.
 */

const forged = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const refusal = async (cursor: string, signature: string, kind: OrderKind) =>
  (await gatewayError(() => decodeCursor(cursor, signature, kind))).code;

describe('cursors the gateway makes', () => {
  it.each<[string, OrderKind, CursorPosition]>([
    ['@pk ASC', 'pk', ['v', 'alice', 'alice']],
    ['@pk DESC', 'pk', ['v', 'a:b\u0000😀', 'a:b\u0000😀']],
    ['age ASC', 'score', ['v', '30', 'bob']],
    ['score DESC', 'score', ['v', '-1.5', 'p1']],
    ['score ASC', 'score', ['v', '1.0000000000000001e+20', 'p1']],
    ['score ASC', 'score', ['v', '2.5000000000000001e-05', 'p1']],
    ['score ASC', 'score', ['v', '-0', 'p1']],
    ['age ASC', 'score', ['n', 'carol', 'carol']],
    ['name ASC', 'lex', ['v', lexMember('Alice', 'alice'), 'alice']],
    ['name ASC', 'lex', ['v', lexMember('', 'x'), 'x']],
    ['name DESC', 'lex', ['v', lexMember('a\u0000b', 'z\u0000'), 'z\u0000']],
    ['name DESC', 'lex', ['n', 'erin', 'erin']],
  ])('decodes back to their position: %s %s %j', (signature, kind, position) => {
    expect(decodeCursor(encodeCursor(signature, position), signature, kind)).toEqual(position);
  });
});

describe('cursors refused with BAD_USER_INPUT', () => {
  it('refuses the forged score cursor ["age ASC","v"," ","x"], whose sort value is no score', async () => {
    expect(await refusal(forged(['age ASC', 'v', ' ', 'x']), 'age ASC', 'score')).toBe('BAD_USER_INPUT');
  });

  it.each(['inf', '-inf', 'nan', 'NaN', 'Infinity', '1e999', '0x10', '', '1.', '.5', '+1', '01', '1 ', '1e', '1_000'])(
    'refuses a score cursor whose sort value is %j',
    async (sortValue) => {
      expect(await refusal(forged(['age ASC', 'v', sortValue, 'x']), 'age ASC', 'score')).toBe('BAD_USER_INPUT');
    },
  );

  it('refuses a cursor of another ordering, or another direction', async () => {
    const cursor = encodeCursor('age ASC', ['v', '30', 'bob']);
    expect(await refusal(cursor, 'age DESC', 'score')).toBe('BAD_USER_INPUT');
    expect(await refusal(cursor, 'name ASC', 'lex')).toBe('BAD_USER_INPUT');
    expect(await refusal(cursor, '@pk ASC', 'pk')).toBe('BAD_USER_INPUT');
  });

  it.each<[string, unknown]>([
    ['not base64url JSON', 'not a cursor!'],
    ['JSON that is not a list', { a: 1 }],
    ['too few parts', ['@pk ASC', 'v', 'a']],
    ['too many parts', ['@pk ASC', 'v', 'a', 'a', 'extra']],
    ['a number where a string belongs', ['@pk ASC', 'v', 1, '1']],
    ['an unknown phase', ['@pk ASC', 'x', 'a', 'a']],
    ['the null phase in pk order, which has none', ['@pk ASC', 'n', 'a', 'a']],
    ['a pk order whose sort value is not its pk', ['@pk ASC', 'v', 'b', 'a']],
    ['an empty pk', ['@pk ASC', 'v', '', '']],
    ['a pk longer than a key may be', ['@pk ASC', 'v', 'p'.repeat(1025), 'p'.repeat(1025)]],
    ['a pk with a lone surrogate', ['@pk ASC', 'v', '\uD800', '\uD800']],
    ['a null-phase sort value that is not its pk', ['age ASC', 'n', 'b', 'a']],
  ])('refuses %s', async (_what, parts) => {
    const cursor = typeof parts === 'string' ? parts : forged(parts);
    expect(await refusal(cursor, '@pk ASC', 'pk')).toBe('BAD_USER_INPUT');
    expect(await refusal(cursor, 'age ASC', 'score')).toBe('BAD_USER_INPUT');
  });

  it.each<[string, string, string]>([
    ['no separator', 'Alice', 'alice'],
    ['another pk after the separator', `Alice\u0000\u0000bob`, 'alice'],
    ['an unescaped NUL in the value', `A\u0000lice\u0000\u0000alice`, 'alice'],
    ['a lone surrogate in the value', `\uDC00\u0000\u0000alice`, 'alice'],
  ])('refuses a lex cursor with %s', async (_what, sortValue, pk) => {
    expect(await refusal(forged(['name ASC', 'v', sortValue, pk]), 'name ASC', 'lex')).toBe('BAD_USER_INPUT');
  });

  it('refuses another spelling of a valid cursor: padding, JSON whitespace, escapes', async () => {
    const position: CursorPosition = ['v', '30', 'bob'];
    const cursor = encodeCursor('age ASC', position);
    expect(await refusal(`${Buffer.from(JSON.stringify(['age ASC', ...position])).toString('base64')}=`, 'age ASC', 'score')).toBe(
      'BAD_USER_INPUT',
    );
    expect(await refusal(Buffer.from(JSON.stringify(['age ASC', ...position], null, 1)).toString('base64url'), 'age ASC', 'score')).toBe(
      'BAD_USER_INPUT',
    );
    expect(await refusal(Buffer.from('["age ASC","v","30","\\u0062ob"]').toString('base64url'), 'age ASC', 'score')).toBe('BAD_USER_INPUT');
    expect(decodeCursor(cursor, 'age ASC', 'score')).toEqual(position);
  });

  it(`refuses a cursor over ${MAX_CURSOR_LENGTH} characters without decoding it, and echoes only its start`, async () => {
    const long = forged(['@pk ASC', 'v', 'a'.repeat(MAX_CURSOR_LENGTH), 'a']);
    const error = await gatewayError(() => decodeCursor(long, '@pk ASC', 'pk'));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(String(error.details.after).length).toBeLessThanOrEqual(80);
    expect(error.message).toContain('endCursor');
  });
});
