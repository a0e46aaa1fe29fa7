import { describe, expect, it } from 'vitest';
import { mergePages, pageOrder, type PagePart } from '../src/store/cluster/merge-pages.js';
import type { FoundItem } from '../src/store/indexes/found-items.js';

const item = (pk: string, phase: 'v' | 'n' = 'v', sortValue = pk): FoundItem => ({ pk, document: '{}', phase, sortValue, ttl: -1 });
const part = (items: FoundItem[], more = false, count: number | null = null): PagePart => ({ work: 10, count, hasNextPage: more, items });
const pks = (items: readonly FoundItem[]) => items.map((each) => each.pk);

describe('the page order of items from different shards', () => {
  it('compares pks by UTF-8 bytes, as Redis does, not by UTF-16 units', () => {
    // U+FFFF is one UTF-16 unit above the surrogates of U+1F600, but its UTF-8 bytes sort first.
    expect([item('😀'), item('\uFFFF'), item('a')].sort(pageOrder('pk', 'ASC')).map((each) => each.pk)).toEqual(['a', '\uFFFF', '😀']);
  });

  it('orders scores as numbers, ties by pk, values before nulls ascending, and reverses all of it descending', () => {
    const items = [item('b', 'v', '10'), item('a', 'v', '10'), item('c', 'v', '9'), item('n1', 'n'), item('d', 'v', '-0.5')];
    expect(pks([...items].sort(pageOrder('score', 'ASC')))).toEqual(['d', 'c', 'a', 'b', 'n1']);
    expect(pks([...items].sort(pageOrder('score', 'DESC')))).toEqual(['n1', 'b', 'a', 'c', 'd']);
  });

  it('orders a string index by its members, value then pk', () => {
    const items = [item('x', 'v', 'b\0\0x'), item('y', 'v', 'a\0\0y'), item('z', 'v', 'a\0\0w')];
    expect(pks(items.sort(pageOrder('lex', 'ASC')))).toEqual(['z', 'y', 'x']);
  });
});

describe('merging the parts of a page', () => {
  it('keeps the first items of all parts, sums counts and work, and has a next page when items are left over', () => {
    const merged = mergePages([part([item('a'), item('d')], false, 2), part([item('b'), item('c')], false, 5)], 3, 'pk', 'ASC');
    expect(pks(merged.items)).toEqual(['a', 'b', 'c']);
    expect(merged).toMatchObject({ work: 20, count: 7, hasNextPage: true });
  });

  it('has a next page when a part has one, even if every item fits, and none when all fit and none has', () => {
    expect(mergePages([part([item('a')], true), part([])], 3, 'pk', 'ASC').hasNextPage).toBe(true);
    expect(mergePages([part([item('a')]), part([item('b')])], 2, 'pk', 'ASC').hasNextPage).toBe(false);
  });
});
