import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keySlot, SLOT_COUNT } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';
import { openTestCluster, type TestCluster } from './helpers/test-cluster.js';

let cluster: TestCluster;
let node: Redis;

beforeAll(async () => {
  cluster = await openTestCluster();
  [node] = [...(await cluster.primaries()).values()] as [Redis];
});
afterAll(() => cluster.close());

/** CLUSTER KEYSLOT for every key, in one pipeline: what Redis itself computes. */
async function redisSlots(keys: readonly string[]): Promise<number[]> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.cluster('KEYSLOT', key);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, slot]) => {
    if (error) throw error;
    return slot as number;
  });
}

it('agrees with CLUSTER KEYSLOT on thousands of random keys, braces and multibyte characters included', async () => {
  const pieces = fc.constantFrom('{', '}', '{}', ':', 'a', 'Z', '0', 'é', '日', '😀', 'User:', '{u42}');
  const keys = fc.sample(
    fc.oneof(
      fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    ),
    { numRuns: 4000, seed: 20240611 },
  );
  expect(new Set(keys).size).toBeGreaterThan(2000);
  expect(keys.map((key) => keySlot(key))).toEqual(await redisSlots(keys));
});

it('gives every slot a tag that Redis puts in that slot', async () => {
  const slots = Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
  expect(await redisSlots(slots.map((slot) => `Order:{${slotTag(slot)}}:1`))).toEqual(slots);
});
