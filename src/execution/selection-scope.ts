import type { FragmentDefinitionNode, GraphQLSchema } from 'graphql';

/** What collecting an operation's fields needs beside a selection: graphql-js's collectFields arguments. */
export interface SelectionScope {
  readonly schema: GraphQLSchema;
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /**
   * The coerced variables of one request. Collecting fields reads only the `if` of `@skip` and
   * `@include`, so a plan built with them holds for every request that gives those the same values.
   */
  readonly variables: Readonly<Record<string, unknown>>;
}
