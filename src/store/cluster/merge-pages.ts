import type { OrderKind } from '../indexes/cursor.js';
import type { FoundItem } from '../indexes/found-items.js';

/** A part of a page: what one node's shards (or one slot's) answered, in page order, at most `first` items. */
export interface PagePart {
  work: number;
  count: number | null;
  hasNextPage: boolean;
  items: FoundItem[];
}

/** Byte order, as Redis orders members: JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The page order of items from different shards, as each shard's script ordered its own: phase "v"
 * before "n" ascending, then the sort value (a score as a number, ties by pk; otherwise by bytes, the
 * lex member or the pk, which ends in the pk); DESC is the exact reverse.
 */
export function pageOrder(kind: OrderKind, direction: 'ASC' | 'DESC'): (a: FoundItem, b: FoundItem) => number {
  const sign = direction === 'ASC' ? 1 : -1;
  return (a, b) => {
    if (a.phase !== b.phase) return sign * (a.phase === 'v' ? -1 : 1);
    if (a.phase === 'v' && kind === 'score') {
      const difference = Number(a.sortValue) - Number(b.sortValue);
      if (difference !== 0) return sign * Math.sign(difference);
      return sign * byBytes(a.pk, b.pk);
    }
    return sign * byBytes(a.sortValue, b.sortValue);
  };
}

/**
 * One page from its parts: the first `first` items of them all in page order; a next page when a part
 * had one or more than `first` items are left; the counts (those asked for) and the work summed. Each part holds every
 * one of its matches that can be among the first `first` after the cursor, so the merge is exact.
 */
export function mergePages(
  parts: readonly PagePart[],
  first: number,
  kind: OrderKind,
  direction: 'ASC' | 'DESC',
): PagePart & { count: number } {
  const all = parts.flatMap((part) => part.items).sort(pageOrder(kind, direction));
  return {
    work: parts.reduce((sum, part) => sum + part.work, 0),
    count: parts.reduce((sum, part) => sum + (part.count ?? 0), 0),
    hasNextPage: all.length > first || parts.some((part) => part.hasNextPage),
    items: all.slice(0, first),
  };
}
