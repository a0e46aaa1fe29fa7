import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModel } from '../src/index.js';
import { formatKey, parseKey } from '../src/model/keys.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';
import { clusterKeyspace, singleKeyspace } from '../src/store/keyspace.js';
import { newPks } from '../src/store/new-pks.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generated pks', () => {
  it('are plain UUIDv7s on one Redis', () => {
    const next = newPks(singleKeyspace);
    expect(next()).toMatch(UUID_V7);
  });

  it('are <uuidv7>{<tag>} on a cluster, one tag per generator, so that every key made with it shares a slot', () => {
    const next = newPks(clusterKeyspace, 1234);
    const made = Array.from({ length: 20 }, next);
    const tag = slotTag(1234);
    for (const pk of made) {
      expect(pk.slice(0, 36)).toMatch(UUID_V7);
      expect(pk.slice(36)).toBe(`{${tag}}`);
    }
    expect(new Set(made).size).toBe(20);
    expect(new Set(['User', 'Product', 'Order'].flatMap((model) => made.map((pk) => keySlot(formatKey(model, pk)))))).toEqual(
      new Set([1234]),
    );
  });

  it('sort by creation time on a cluster too: the UUID has a fixed length and comes first', () => {
    const next = newPks(clusterKeyspace, 1);
    const made = Array.from({ length: 50 }, next);
    expect([...made].sort()).toEqual(made);
  });

  it('draw a slot at random per generator, among every 16th slot of the range: 1024 slots, so that a finder page visits at most those', () => {
    const slots = Array.from({ length: 10_000 }, () => keySlot(`User:${newPks(clusterKeyspace)()}`));
    expect(slots.filter((slot) => slot % 16 !== 0)).toEqual([]);
    // 10,000 draws over 1024 slots miss one or two now and then (one run in 17); 24 missed is beyond chance.
    expect(new Set(slots).size).toBeGreaterThanOrEqual(1000);
    expect(Math.min(...slots)).toBeLessThan(16 * 20);
    expect(Math.max(...slots)).toBeGreaterThan(16384 - 16 * 20);
  });

  it('come from the generator a draft is given, and never replace a pk given', () => {
    const Note = defineModel('Note', z.object({ text: z.string() }));
    expect(Note.create({ text: 'a' }).pk).toMatch(UUID_V7);
    const draft = Note.create({ text: 'a' }, { pk: newPks(clusterKeyspace, 9)() });
    expect(keySlot(draft.key)).toBe(9);
    expect(Note.create({ text: 'a' }, { pk: 'mine{t}' }).pk).toBe('mine{t}');
  });
});

describe('keys with braces', () => {
  it('parse back to their model and pk, whatever braces, colons and unicode the pk holds', () => {
    const pk = fc
      .array(fc.constantFrom('{', '}', '{}', '}{', ':', 'a', 'é', '日', '😀', '{t}', '\u0000'), { minLength: 1, maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.constantFrom('User', 'Order_2'), pk, (model, each) => {
        expect(parseKey(formatKey(model, each))).toEqual({ key: `${model}:${each}`, modelName: model, pk: each });
      }),
      { numRuns: 1000 },
    );
  });
});
