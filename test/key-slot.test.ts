import { describe, expect, it } from 'vitest';
import { crc16, keySlot, SLOT_COUNT } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const wholeKeySlot = (key: string) => crc16(Buffer.from(key, 'utf8')) % SLOT_COUNT;

/** Every string of `length` characters of the alphabet, in alphabet order. */
function* stringsOf(length: number, prefix = ''): Generator<string> {
  if (length === 0) yield prefix;
  else for (const char of ALPHABET) yield* stringsOf(length - 1, prefix + char);
}

describe('keySlot', () => {
  it("computes the cluster spec's CRC16 check value: 123456789 -> 0x31C3", () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('answers the slots the Redis docs give for plain keys', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only what is between the first { and the next } when it is not empty', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('User:{u42}:cart')).toBe(keySlot('u42'));
    expect(keySlot('{User:{u42}:cart}')).toBe(keySlot('User:{u42'));
  });

  it.each(['foo{}{bar}', '{}', '{', '}', '}{', 'a}{b', 'a{b', 'a}b', '{}x}'])('hashes the whole key %s: no non-empty tag', (key) => {
    expect(keySlot(key)).toBe(wholeKeySlot(key));
  });

  it('hashes the UTF-8 bytes of multibyte characters, inside tags too', () => {
    for (const key of ['é', 'Ünïcödé', '日本語', '😀', 'User:😀:x']) {
      expect(keySlot(key)).toBe(keySlot(Buffer.from(key, 'utf8')));
      expect(keySlot(`{${key}}tail`)).toBe(keySlot(key));
    }
    // 'é' is C3 A9: not the slot of the code point U+00E9 taken as one byte.
    expect(keySlot('é')).not.toBe(keySlot(Buffer.from([0xe9])));
  });
});

describe('slotTag', () => {
  it('gives every slot a tag that hashes to it, alone and as {tag} inside a key', () => {
    const wrong: Array<[number, string]> = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const tag = slotTag(slot);
      if (!/^[0-9a-z]{1,4}$/.test(tag) || keySlot(tag) !== slot || keySlot(`Order:{${tag}}:42`) !== slot) wrong.push([slot, tag]);
    }
    expect(wrong).toEqual([]);
  });

  it('gives 36 slots a tag of 1 character, 1104 of 2, 15159 of 3 and 85 of 4', () => {
    const byLength = [0, 0, 0, 0, 0];
    for (let slot = 0; slot < SLOT_COUNT; slot++) byLength[slotTag(slot).length]! += 1;
    expect(byLength).toEqual([0, 36, 1104, 15159, 85]);
  });

  it('picks the shortest tag, and the first in alphabet order of that length', () => {
    const first = new Map<number, string>();
    for (const length of [1, 2, 3]) for (const tag of stringsOf(length)) if (!first.has(keySlot(tag))) first.set(keySlot(tag), tag);
    for (const [slot, tag] of first) expect(slotTag(slot)).toBe(tag);
    // Every other slot needs 4 characters.
    expect(SLOT_COUNT - first.size).toBe(85);
  });

  it.each([-1, SLOT_COUNT, 1.5, Number.NaN])('refuses %s, which is no slot', (slot) => {
    expect(() => slotTag(slot)).toThrow(`Slot ${slot} does not exist: a slot is a whole number from 0 to 16383.`);
  });
});
