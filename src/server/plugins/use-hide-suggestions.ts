import type { Plugin } from 'graphql-yoga';

/** Every form graphql-js uses: `Did you mean "models"?`, `Did you mean the enum value "PAID"?`, `... or "b"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Completes graphql-armor's block-field-suggestions, which masks `Did you mean "..."?` in validation
 * errors only: graphql-js also suggests enum values (`Did you mean the enum value "PAID"?`), in validation
 * and while it coerces variables, after validation. Either tells a caller without introspection the names
 * it guessed at. This strips every suggestion from every result.
 */
export function useHideSuggestions(): Plugin {
  return {
    onExecutionResult({ result }) {
      if (!result || Symbol.asyncIterator in result) return;
      for (const error of result.errors ?? []) error.message = error.message.replace(SUGGESTION, '');
    },
  };
}
