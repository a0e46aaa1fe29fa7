import { describe, expect, it } from 'vitest';
import { User } from '../examples/shop.js';
import type { Condition } from '../src/model/conditions.js';
import { compilePlan } from '../src/store/indexes/plan.js';
import { gatewayError } from './helpers/gateway-error.js';

/* The where → plan compiler, without Redis: the depth cap and how ne compiles. */

/** Built in a loop: a recursive builder would itself overflow the stack at 100,000. */
function notNested(depth: number): Condition {
  let where: Condition = { age: { eq: 1 } };
  for (let i = 0; i < depth; i++) where = { not: where };
  return where;
}
const andNested = (depth: number): Condition => (depth === 0 ? { age: { eq: 1 } } : { and: [andNested(depth - 1)] });

describe('the where depth cap', () => {
  it('accepts a where as deep as maxWhereDepth: a field filter is depth 1, each and, or, not adds one', () => {
    expect(() => compilePlan(User, notNested(11), 12)).not.toThrow();
    expect(() => compilePlan(User, andNested(11), 12)).not.toThrow();
  });

  it('refuses one level deeper with QUERY_TOO_COMPLEX naming the limit', async () => {
    for (const where of [notNested(12), andNested(12), { or: [{ age: { eq: 1 } }, notNested(11)] }]) {
      const error = await gatewayError(() => compilePlan(User, where, 12));
      expect(error.code).toBe('QUERY_TOO_COMPLEX');
      expect(error.details).toEqual({ option: 'maxWhereDepth', limit: 12 });
      expect(error.message).toContain('at most 12 levels');
    }
  });

  it('refuses not nested 999 deep, and 100,000 deep, without walking past the cap', async () => {
    expect((await gatewayError(() => compilePlan(User, notNested(999), 12))).code).toBe('QUERY_TOO_COMPLEX');
    // Deeper than the stack would allow to walk whole: the cap stops the walk on the way down.
    expect((await gatewayError(() => compilePlan(User, notNested(100_000), 12))).code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('ne', () => {
  it('compiles on a score field to the two ranges around the value and the nulls, not a difference with every pk', () => {
    expect(compilePlan(User, { age: { ne: 40 } }, 12)).toEqual([
      'or',
      ['score', 'age', '-inf', '(40'],
      ['score', 'age', '(40', '+inf'],
      ['null', 'age'],
    ]);
  });

  it('keeps the difference on a string field, whose ranges would each cost a pass in Lua', () => {
    expect(compilePlan(User, { name: { ne: 'Bob' } }, 12)).toEqual(['not', ['lex', 'name', 'gte', 'Bob', 'lte', 'Bob']]);
  });

  it('compiles ne null to the whole index, as before', () => {
    expect(compilePlan(User, { age: { ne: null } }, 12)).toEqual(['score', 'age', '-inf', '+inf']);
  });
});
