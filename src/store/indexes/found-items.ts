import { REFUSED } from './script-status.js';

/** One item of a page as a finder script answers it, before its document is decoded. */
export interface FoundItem {
  pk: string;
  /** Null when the document was gone (its entries were then dropped): the item still ends the page's cursor. */
  document: string | null;
  phase: 'v' | 'n';
  /** What the page orders by: see cursor.ts, CursorPosition. */
  sortValue: string;
  /** Seconds left, -1 for none, -2 for a missing key. */
  ttl: number;
}

/** A page as the scripts answer it: refused (over the limit, nothing built), or its items in page order. */
export type FoundItems =
  { refused: true; work: number } | { refused: false; work: number; count: number | null; hasNextPage: boolean; items: FoundItem[] };

/** A DONE or REFUSED reply of find.lua (see lua/find.lua); PURGING is the caller's to repeat. */
export function foundItemsOf(reply: ReadonlyArray<string | number | null>): FoundItems {
  const [status, work, count, hasNext, ...rest] = reply;
  if (status === REFUSED) return { refused: true, work: Number(work) };
  const items: FoundItem[] = [];
  for (let i = 0; i + 4 < rest.length; i += 5) {
    const [pk, document, phase, sortValue] = rest.slice(i, i + 4).map((part) => (part === null ? null : String(part)));
    if (pk === null || pk === undefined) continue;
    items.push({ pk, document: document ?? null, phase: phase === 'n' ? 'n' : 'v', sortValue: sortValue ?? pk, ttl: Number(rest[i + 4]) });
  }
  return {
    refused: false,
    work: Number(work),
    count: typeof count === 'number' && count >= 0 ? count : null,
    hasNextPage: hasNext === 1,
    items,
  };
}
