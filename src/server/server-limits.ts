/**
 * Limits on the HTTP request and the GraphQL document, checked before anything runs. Each default is
 * far above what the demo's operations and the README's queries need, and far below what hurts.
 */
export interface ServerLimits {
  /** Most bytes of request body read (Yoga's own default is 25 MB). Over it: REQUEST_TOO_LARGE, HTTP 413. @default 1_000_000 */
  maxBodyBytes: number;
  /**
   * Most lexical tokens in a document, checked while it is parsed. Also what keeps deeply nested text
   * from overflowing the parser's stack: nesting needs at least one token a level, and graphql-js
   * overflows near 2000 levels. @default 1000
   */
  maxTokens: number;
  /** Most levels of nested selections, fragments flattened (`allUsers { edges { node { name } } }` is 4). @default 12 */
  maxDepth: number;
  /** Most aliases in an operation, `__typename` ones included. @default 30 */
  maxAliases: number;
  /** Most directives in an operation. @default 50 */
  maxDirectives: number;
  /** Most levels of nesting in `variables`, checked before graphql-js coerces them (recursively). @default 100 */
  maxVariablesDepth: number;
  /**
   * Bytes the parsed-document cache may hold, and the parse-error cache too: the text plus about
   * 300 bytes a token for the syntax tree. @default 32_000_000
   */
  parseCacheBytes: number;
  /** Entries each of those caches may hold. @default 1000 */
  parseCacheEntries: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxBodyBytes: 1_000_000,
  maxTokens: 1000,
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 50,
  maxVariablesDepth: 100,
  parseCacheBytes: 32_000_000,
  parseCacheEntries: 1000,
};
