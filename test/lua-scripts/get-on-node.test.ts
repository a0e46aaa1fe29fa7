import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot } from '../../src/store/cluster/key-slot.js';
import { GET_ON_NODE, packGetOnNodeArgs } from '../../src/store/scripts/get-on-node.js';
import { openTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { evalScript } from './eval-script.js';

// On the run's test cluster, whose one database other spec files share: keys of this file's own run.
const run = randomBytes(4).toString('hex');
const key = (name: string) => `T:${run}-${name}`;

let cluster: TestCluster;
let primaries: Map<string, Redis>;
beforeAll(async () => {
  cluster = await openTestCluster();
  primaries = await cluster.primaries();
});
afterAll(() => cluster.close());

/** The primary serving a key, and one that does not. */
const servingAndNot = (name: string): [Redis, Redis] => {
  const owner = cluster.client.slots[keySlot(key(name))]?.[0];
  const serving = primaries.get(owner ?? '');
  const other = [...primaries].find(([node]) => node !== owner)?.[1];
  if (!serving || !other) throw new Error('the test cluster has fewer than two primaries');
  return [serving, other];
};

describe('get-on-node.lua', () => {
  it('answers the text of each key this node serves, whatever its slot, in order, false (null) for a missing key or another type', async () => {
    const [node] = servingAndNot('a');
    const mine = Array.from({ length: 60 }, (_, i) => key(`k${i}`)).filter(
      (each) => cluster.client.slots[keySlot(each)]?.[0] === cluster.client.slots[keySlot(key('a'))]?.[0],
    );
    expect(new Set(mine.map(keySlot)).size).toBeGreaterThan(1);
    const [text, missing, list] = mine;
    await node.set(text as string, '{"name":"a"}');
    await node.rpush(list as string, 'x');
    expect(await evalScript(node, GET_ON_NODE, packGetOnNodeArgs([text, missing, list] as string[]))).toEqual(['{"name":"a"}', null, null]);
  });

  it('fails, writing nothing, on a key of a slot another node serves', async () => {
    const [, other] = servingAndNot('b');
    await expect(evalScript(other, GET_ON_NODE, packGetOnNodeArgs([key('b')]))).rejects.toThrow(
      /non local key|MOVED|not.*same slot|cross slot/i,
    );
  });
});
