import type { DocumentNode, Token } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ServerLimits } from './server-limits.js';

/** Heap a parsed document keeps per token (syntax nodes and the token list), measured with graphql 16. */
const BYTES_PER_TOKEN = 300;

/** Yoga's parse caches, bounded by bytes as well as entries: a few large documents cannot pile up. */
export interface ParseCache {
  documents: LRUCache<string, DocumentNode>;
  errors: LRUCache<string, object>;
}

/** Heap a cached document costs: its text (its syntax tree keeps the source) and its tree. */
export const documentSize = (document: DocumentNode, text: string) => text.length + BYTES_PER_TOKEN * tokenCount(document) || 1;

function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) count++;
  return count;
}

/**
 * A document costs its text (its syntax tree keeps the source) and its tree; a parse error its text,
 * the key it is cached under. An entry larger than the whole budget is simply not cached.
 */
export function createParseCache(limits: Pick<ServerLimits, 'parseCacheBytes' | 'parseCacheEntries'>): ParseCache {
  const bounds = { max: limits.parseCacheEntries, maxSize: limits.parseCacheBytes };
  return {
    documents: new LRUCache<string, DocumentNode>({
      ...bounds,
      sizeCalculation: documentSize,
    }),
    errors: new LRUCache<string, object>({ ...bounds, sizeCalculation: (_error, text) => text.length || 1 }),
  };
}
