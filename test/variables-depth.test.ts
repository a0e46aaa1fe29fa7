import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../src/server/plugins/use-variables-depth.js';

/** `levels` objects and arrays, alternating, each holding the next. */
const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { next: value };
  return value;
};

describe('nestsDeeperThan', () => {
  it('counts a scalar as level 0 and each object or array around it as one more', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ keys: ['a', 'b'] }, 1)).toBe(true);
    expect(nestsDeeperThan({ keys: ['a', 'b'] }, 2)).toBe(false);
  });

  it('finds the deepest branch wherever it is, in objects and arrays alike', () => {
    for (const levels of [1, 2, 3, 7, 100]) {
      const value = { first: 1, keys: ['a', 'b'], deep: [0, nested(levels - 2), 'x'], last: null };
      const depth = Math.max(levels, 2);
      expect(nestsDeeperThan(value, depth)).toBe(false);
      expect(nestsDeeperThan(value, depth - 1)).toBe(true);
    }
  });

  it('answers for 100,000 levels without overflowing the stack', () => {
    expect(nestsDeeperThan(nested(100_000), 100)).toBe(true);
    expect(nestsDeeperThan(nested(100_000), 100_000)).toBe(false);
  });
});
