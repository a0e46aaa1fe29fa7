import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';
import { clusterKeyspace, clusterSlotNames, indexKeysAt, inSlot, singleKeyspace } from '../src/store/keyspace.js';

/** Pks as users write them: braces, empty tags, colons and multibyte characters included. */
const pieces = fc.constantFrom('{', '}', '{}', '}{', ':', 'a', 'Z', '0', 'é', '日本', '😀', '{u42}', '{x', 'y}');
const pks = fc.array(pieces, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
const models = fc.constantFrom('User', 'Product', 'Order', 'A_1');

describe('the keyspace of one Redis', () => {
  it("keeps today's names: one index shard per model, one fencing counter, locks by action then key", () => {
    expect(singleKeyspace.cluster).toBe(false);
    expect(singleKeyspace.indexPrefix('User', 'User:alice')).toBe('rmg:idx:User:');
    expect(singleKeyspace.indexPrefix('User', 'User:{x}bob')).toBe('rmg:idx:User:');
    expect(singleKeyspace.lockKey('User:alice', 'purchase')).toBe('rmg:lock:purchase:User:alice');
    expect(singleKeyspace.fenceKey('User:alice')).toBe('rmg:fence');
    expect(singleKeyspace.fenceKey('Product:book')).toBe('rmg:fence');
    expect(singleKeyspace.writeRecordKey('User:alice', '0123456789abcdef')).toBe('rmg:wrote:0123456789abcdef');
    expect(singleKeyspace.temporaryPrefix('rmg:idx:User:')).toMatch(/^rmg:tmp:[0-9a-f]{16}:$/);
    expect(singleKeyspace.metaKey('User')).toBe('rmg:idx:User:@meta');
  });

  it('names a fresh temporary prefix on every call', () => {
    expect(singleKeyspace.temporaryPrefix('x')).not.toBe(singleKeyspace.temporaryPrefix('x'));
  });
});

describe('the keyspace of a Redis Cluster', () => {
  it("puts the slot's tag first in every key: index shards per slot, a lock and a fencing counter per slot", () => {
    const tag = slotTag(keySlot('User:alice'));
    expect(clusterKeyspace.cluster).toBe(true);
    expect(clusterKeyspace.indexPrefix('User', 'User:alice')).toBe(`rmg:idx:{${tag}}:User:`);
    expect(clusterKeyspace.lockKey('User:alice', 'purchase')).toBe(`rmg:lock:{${tag}}:purchase:User:alice`);
    expect(clusterKeyspace.fenceKey('User:alice')).toBe(`rmg:fence:{${tag}}`);
    expect(clusterKeyspace.writeRecordKey('User:alice', '0123456789abcdef')).toBe(`rmg:wrote:{${tag}}:0123456789abcdef`);
    expect(clusterKeyspace.temporaryPrefix('User:alice')).toMatch(new RegExp(`^rmg:tmp:\\{${tag}\\}:[0-9a-f]{16}:$`));
  });

  it('gives documents that share a hash tag one index shard, whatever their models', () => {
    const user = clusterKeyspace.indexPrefix('User', 'User:{shop7}alice');
    const order = clusterKeyspace.indexPrefix('Order', 'Order:{shop7}o1');
    expect(user.replace('User:', '')).toBe(order.replace('Order:', ''));
    expect(clusterKeyspace.fenceKey('User:{shop7}alice')).toBe(clusterKeyspace.fenceKey('Order:{shop7}o1'));
  });

  it("puts every key of a document in the document's slot, for pks with braces, empty tags and unicode", () => {
    fc.assert(
      fc.property(
        models,
        pks,
        fc.constantFrom('default', 'purchase', 'a.b-c_1'),
        fc.array(fc.constantFrom('name', 'age', 'x'), { maxLength: 3 }),
        (model, pk, action, fields) => {
          const key = `${model}:${pk}`;
          const slot = keySlot(key);
          const prefix = clusterKeyspace.indexPrefix(model, key);
          const keys = [
            ...indexKeysAt(prefix, fields),
            clusterKeyspace.lockKey(key, action),
            clusterKeyspace.fenceKey(key),
            `${clusterKeyspace.temporaryPrefix(key)}0`,
            clusterKeyspace.writeRecordKey(key, '0123456789abcdef'),
          ];
          for (const each of keys) expect(keySlot(each)).toBe(slot);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps lock keys of distinct (key, action) pairs distinct', () => {
    fc.assert(
      fc.property(pks, pks, fc.constantFrom('a', 'b'), fc.constantFrom('a', 'b'), (pk1, pk2, action1, action2) => {
        fc.pre(pk1 !== pk2 || action1 !== action2);
        expect(clusterKeyspace.lockKey(`User:${pk1}`, action1)).not.toBe(clusterKeyspace.lockKey(`User:${pk2}`, action2));
      }),
    );
  });
});

describe('indexKeysAt', () => {
  it('lists @pk, @expiry, @entries, then each field and its @null set', () => {
    expect(indexKeysAt('rmg:idx:User:', ['name', 'age'])).toEqual([
      'rmg:idx:User:@pk',
      'rmg:idx:User:@expiry',
      'rmg:idx:User:@entries',
      'rmg:idx:User:name',
      'rmg:idx:User:name:@null',
      'rmg:idx:User:age',
      'rmg:idx:User:age:@null',
    ]);
  });
});

describe("a cluster's names around a slot's tag", () => {
  it('build, for the tag of any document key, the index prefix, a temporary prefix and the record key of that document’s slot', () => {
    fc.assert(
      fc.property(models, pks, (model, pk) => {
        const key = `${model}:${pk}`;
        const tag = slotTag(keySlot(key));
        const names = clusterSlotNames(model, '0123456789abcdef');
        expect(inSlot(names.indexPrefix, tag)).toBe(clusterKeyspace.indexPrefix(model, key));
        expect(inSlot(names.writeRecordKey, tag)).toBe(clusterKeyspace.writeRecordKey(key, '0123456789abcdef'));
        expect(keySlot(inSlot(names.temporaryPrefix, tag))).toBe(keySlot(key));
        expect(inSlot(names.temporaryPrefix, tag)).toMatch(/^rmg:tmp:\{[0-9a-z]+\}:[0-9a-f]{16}:$/);
      }),
    );
  });
});
