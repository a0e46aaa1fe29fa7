import type { Plugin } from 'graphql-yoga';
import { OneOfVariablesRule } from '../../schema/one-of-variables-rule.js';

/** Adds the @oneOf member check graphql-js 16 leaves out for list items (see OneOfVariablesRule). */
export const useOneOfVariables = (): Plugin => ({
  onValidate({ addValidationRule }) {
    addValidationRule(OneOfVariablesRule);
  },
});
