import type { Plugin } from 'graphql-yoga';
import { queryTooComplex } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/**
 * Whether `value` nests deeper than `max` objects and arrays (a scalar is level 0, `{}` level 1);
 * iterative, so any depth is safe to ask about. It runs on every request: it keeps two stacks of plain
 * values rather than a stack of pairs, and pushes only objects, so that the usual variables (a few
 * scalars, a list of keys) cost no allocation per value.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: object[] = [value];
  const levels: number[] = [1];
  while (pending.length > 0) {
    // The two stacks grow and shrink together.
    const each = pending.pop() as object;
    const level = levels.pop() as number;
    if (level > max) return true;
    if (Array.isArray(each)) {
      for (const child of each as unknown[])
        if (child !== null && typeof child === 'object') {
          pending.push(child);
          levels.push(level + 1);
        }
      continue;
    }
    // Variables come from JSON.parse: every enumerable key is the object's own.
    for (const key in each) {
      const child = (each as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') {
        pending.push(child);
        levels.push(level + 1);
      }
    }
  }
  return false;
}

/**
 * Refuses `variables` nested deeper than `max` (QUERY_TOO_COMPLEX, HTTP 400) before graphql-js coerces
 * them: coercion is recursive, and variables nested 10,000 deep would overflow its stack.
 */
export function useVariablesDepth(max: number): Plugin {
  return {
    onParams({ params }) {
      if (!nestsDeeperThan(params.variables, max)) return;
      throw requestRefusal(
        queryTooComplex(
          `The variables nest more than ${max} levels deep; at most ${max} are allowed. Flatten them.`,
          'maxVariablesDepth',
          max,
        ),
      );
    },
  };
}
