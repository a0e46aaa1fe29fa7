import type { Plugin } from 'graphql-yoga';
import { queryTooComplex } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/** Whether `value` nests deeper than `max` objects and arrays; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [each, depth] = next;
    if (each === null || typeof each !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(each)) pending.push([child, depth + 1]);
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
