import { crc16Step, SLOT_COUNT } from './key-slot.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const CODES = [...ALPHABET].map((char) => char.charCodeAt(0));
/** Every slot has a tag of at most 4 characters of the alphabet (85 slots need 4). */
const LONGEST = 4;

/** Slot -> its tag, filled one tag length at a time, on first need. */
const tags: Array<string | undefined> = new Array<string | undefined>(SLOT_COUNT);
let filledLength = 0;

/**
 * The shortest text of `[0-9a-z]` that hashes to `slot`, the first in alphabet order among those of
 * its length: `{<tag>}` inside a key puts the key in that slot. The same slot always gets the same tag,
 * so tags may be stored in keys. Tags are computed lazily, one length at a time (lengths 1 to 3 take
 * 48k checksums; length 4, needed by 85 slots only, 1.7M), so a process that never asks pays nothing.
 */
export function slotTag(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new RangeError(`Slot ${slot} does not exist: a slot is a whole number from 0 to ${SLOT_COUNT - 1}.`);
  }
  while (tags[slot] === undefined && filledLength < LONGEST) fillLength(++filledLength);
  return tags[slot] as string;
}

/** Tags of `length` characters in alphabet order, each kept for its slot unless a shorter or earlier one was. */
function fillLength(length: number): void {
  const visit = (prefix: string, crc: number, left: number): void => {
    for (let i = 0; i < CODES.length; i++) {
      const next = crc16Step(crc, CODES[i] as number);
      if (left > 1) visit(prefix + ALPHABET[i], next, left - 1);
      else if (tags[next % SLOT_COUNT] === undefined) tags[next % SLOT_COUNT] = prefix + ALPHABET[i];
    }
  };
  visit('', 0, length);
}
