import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { queryTooComplex } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';
import type { ServerLimits } from '../server-limits.js';

type ShapeLimit = 'maxTokens' | 'maxDepth' | 'maxAliases' | 'maxDirectives';

/** graphql-armor's error, as QUERY_TOO_COMPLEX naming the limit and its maximum, HTTP 400. */
const refusal = (limit: ShapeLimit, max: number, error: GraphQLError) =>
  requestRefusal(
    queryTooComplex(
      `${error.message.replace(/^Syntax Error: /, '')} Simplify the operation or split it into several requests.`,
      limit,
      max,
    ),
  );

/**
 * The operation's shape, checked by graphql-armor before it runs: tokens while parsing, depth, aliases
 * and directives while validating. Armor throws plain GraphQLErrors; its onReject callbacks throw ours
 * instead, so a refusal carries a code and a status like every other.
 *
 * The three validation rules are made once and added by one hook: armor's own plugins make a rule and
 * run a hook each on every request, although Yoga's validation cache runs the rules only once per document.
 */
export function useShapeLimits(limits: Pick<ServerLimits, ShapeLimit>): Plugin[] {
  const reject = (limit: ShapeLimit) => [
    (_context: unknown, error: GraphQLError) => {
      throw refusal(limit, limits[limit], error);
    },
  ];
  const rules = [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, onReject: reject('maxDepth') }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [], onReject: reject('maxAliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, onReject: reject('maxDirectives') }),
  ];
  return [
    maxTokensPlugin({
      n: limits.maxTokens,
      onReject: [
        (_context, error) => {
          // Yoga marks every GraphQLError that parsing throws as a spec parse failure, which answers
          // HTTP 200 to an `application/json` client. Wrapped, it passes unmarked and Yoga unwraps it.
          throw new AggregateError([refusal('maxTokens', limits.maxTokens, error)], 'QUERY_TOO_COMPLEX');
        },
      ],
    }),
    {
      onValidate({ addValidationRule }) {
        for (const rule of rules) addValidationRule(rule);
      },
    },
  ];
}
