import { describe, expect, it } from 'vitest';
import { crossSlotRefusal } from '../src/store/cluster/one-slot.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';

/** Two plain keys that hash to different slots. */
const [user, product] = ['User:alice', 'Product:book'];

describe('the CROSS_SLOT decision', () => {
  it('lets keys of one slot through: one key, keys sharing a hash tag, a tagged pk and its tag', () => {
    expect(crossSlotRefusal(['User:alice'], 'insertMany')).toBeNull();
    expect(crossSlotRefusal(['User:{shop7}alice', 'Product:{shop7}book', 'Order:x{shop7}'], 'insertMany')).toBeNull();
    const tag = slotTag(keySlot(user));
    expect(crossSlotRefusal([user, `Order:0190{${tag}}`], 'insertMany')).toBeNull();
    expect(crossSlotRefusal([], 'deleteMany')).toBeNull();
  });

  it('refuses keys in two slots, naming each key with its slot and the hash-tag fix', () => {
    expect(keySlot(user)).not.toBe(keySlot(product));
    const refusal = crossSlotRefusal([user, product], 'withLocks');
    expect(refusal?.code).toBe('CROSS_SLOT');
    expect(refusal?.message).toContain(`withLocks touches 2 hash slots`);
    expect(refusal?.message).toContain(`slot ${keySlot(user)}: "User:alice"`);
    expect(refusal?.message).toContain(`slot ${keySlot(product)}: "Product:book"`);
    expect(refusal?.message).toContain('nothing was written');
    expect(refusal?.message).toContain('"User:{shop7}alice" and "Order:{shop7}o1"');
    expect(refusal?.details).toEqual({
      operation: 'withLocks',
      slots: 2,
      keys: [
        { key: user, slot: keySlot(user) },
        { key: product, slot: keySlot(product) },
      ],
    });
  });

  it('groups the keys of a slot, and names at most 20 keys in the message while the details keep all', () => {
    const keys = Array.from({ length: 30 }, (_, i) => `User:u${i}`);
    const refusal = crossSlotRefusal(keys, 'insertMany');
    expect(refusal?.message).toContain('and 10 more keys');
    expect(refusal?.message).not.toContain('"User:u20"');
    expect((refusal?.details.keys as unknown[]).length).toBe(30);
    expect(refusal?.details.slots).toBe(new Set(keys.map(keySlot)).size);
  });
});
