import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slotTag } from '../../src/store/cluster/slot-tags.js';
import { indexKeysAt } from '../../src/store/keyspace.js';
import { DONE, PURGING, REFUSED } from '../../src/store/indexes/script-status.js';
import { FIND_ON_NODE, packFindOnNodeArgs, type NodeFindArgs } from '../../src/store/scripts/find-on-node.js';
import { packWriteDocumentsArgs, WRITE_DOCUMENTS } from '../../src/store/scripts/write-documents.js';
import { keysEverywhere } from '../helpers/cluster-keys.js';
import { openTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { evalScript } from './eval-script.js';

/*
 * On the run's test cluster, since the script reads the node's own line of CLUSTER NODES. Fixtures are
 * this run's own: shards under `idx<run>:{<tag>}:T:`, documents `T<run>:{<tag>}<name>`, in three slots
 * of one primary (two of them holding documents) and one slot of another.
 */
const run = randomBytes(4).toString('hex');
const prefixAround = [`idx${run}:{`, '}:T:'] as const;
const keyPrefix = `T${run}:`;

let cluster: TestCluster;
let node: Redis;
let slots: number[];
let foreign: number;
beforeAll(async () => {
  cluster = await openTestCluster();
  const primaries = await cluster.primaries();
  const [owner, first] = [...primaries][0]!;
  node = first;
  const served = Object.keys(cluster.client.slots)
    .map(Number)
    .filter((slot) => cluster.client.slots[slot]?.[0] === owner);
  slots = [served[10]!, served[20]!, served[30]!];
  foreign = Number(Object.keys(cluster.client.slots).find((slot) => cluster.client.slots[Number(slot)]?.[0] !== owner));
});
afterAll(() => cluster.close());

const tagged = (slot: number, name: string) => `{${slotTag(slot)}}${name}`;
const shardPrefix = (slot: number) => `${prefixAround[0]}${slotTag(slot)}${prefixAround[1]}`;

/** Stores `T<run>:<pk>` with `age` in its slot's shard, through the write script. */
const writeAged = (slot: number, name: string, age: number, ttl = 0) => {
  const pk = tagged(slot, name);
  return evalScript(
    node,
    WRITE_DOCUMENTS,
    packWriteDocumentsArgs(
      [
        {
          key: `${keyPrefix}${pk}`,
          expect: 'any',
          document: `{"age":${age}}`,
          ttl,
          refreshTtl: true,
          indexPrefix: shardPrefix(slot),
          pk,
          entries: `[["age","s",${age}]]`,
          indexKeys: indexKeysAt(shardPrefix(slot), ['age']),
        },
      ],
      [],
    ),
  );
};

beforeEach(async () => {
  for (const key of await keysEverywhere(new Map([['n', node]]), `*${run}*`)) await node.unlink(key);
  // Slot 0 of the fixture: a (30), c (10); slot 1: b (20), d (40); slot 2 holds nothing.
  await writeAged(slots[0]!, 'a', 30);
  await writeAged(slots[0]!, 'c', 10);
  await writeAged(slots[1]!, 'b', 20);
  await writeAged(slots[1]!, 'd', 40);
});

const listed = (list: readonly number[]) => list.map((slot) => `${slot}:${slotTag(slot)}`).join(',');

const call = (overrides: Partial<NodeFindArgs>) =>
  evalScript(
    node,
    FIND_ON_NODE,
    packFindOnNodeArgs({
      mode: 'page',
      prefixAround,
      temporaryAround: [`tmp${run}:{`, '}:x:'],
      keyPrefix,
      slots: listed(slots),
      plan: '["all"]',
      order: '["pk","","ASC"]',
      cursor: '',
      first: 10,
      count: false,
      limit: 1e9,
      ...overrides,
    }),
  ) as Promise<Array<string | number | null>>;

/** The items of a page reply: pk, document, phase, sort value, ttl each, after the five leading values. */
const items = (reply: Array<string | number | null>) => {
  const out: unknown[][] = [];
  for (let i = 5; i < reply.length; i += 5) out.push(reply.slice(i, i + 5));
  return out;
};
const pk = (slot: number, name: string) => tagged(slots[slot]!, name);

describe('find-on-node.lua', () => {
  it('estimates without building: the work, the slots that hold instances, and those the node does not serve', async () => {
    const reply = await call({ mode: 'estimate', slots: listed([...slots, foreign]), first: 2 });
    // 4 a shard holding instances, 5 per item of first + 1; an unfiltered page builds nothing.
    expect(reply).toEqual([DONE, 2 * 4 + 3 * 5, listed(slots.slice(0, 2)), String(foreign)]);
    expect(await keysEverywhere(new Map([['n', node]]), `tmp${run}*`)).toEqual([]);
  });

  it("merges its shards' items in page order, with documents, the next-page flag and the count of every shard", async () => {
    const byPk = await call({ first: 3, count: true });
    expect(byPk.slice(0, 5)).toEqual([DONE, expect.any(Number), 4, 1, '']);
    const inPkOrder = [pk(0, 'a'), pk(0, 'c'), pk(1, 'b'), pk(1, 'd')].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(items(byPk).map((item) => item[0])).toEqual(inPkOrder.slice(0, 3));
    const byAge = await call({ order: '["score","age","DESC"]', plan: '["score","age","15","+inf"]' });
    expect(items(byAge)).toEqual([
      [pk(1, 'd'), '{"age":40}', 'v', '40', -1],
      [pk(0, 'a'), '{"age":30}', 'v', '30', -1],
      [pk(1, 'b'), '{"age":20}', 'v', '20', -1],
    ]);
    expect(byAge[3]).toBe(0);
    const after = await call({ order: '["score","age","DESC"]', cursor: JSON.stringify(['v', '30', pk(0, 'a')]) });
    expect(items(after).map((item) => item[0])).toEqual([pk(1, 'b'), pk(0, 'c')]);
    expect(await keysEverywhere(new Map([['n', node]]), `tmp${run}*`)).toEqual([]);
  });

  it('answers REFUSED with the work over the limit, having built nothing', async () => {
    const [, work] = await call({ mode: 'estimate', plan: '["score","age","0","+inf"]', order: '["score","age","ASC"]' });
    expect(await call({ plan: '["score","age","0","+inf"]', order: '["score","age","ASC"]', limit: Number(work) - 1 })).toEqual([
      REFUSED,
      work,
    ]);
    expect(await keysEverywhere(new Map([['n', node]]), `tmp${run}*`)).toEqual([]);
  });

  it('purges at most 1000 due entries over all its shards a call, answering PURGING until done', async () => {
    for (const slot of slots.slice(0, 2)) {
      const args: Array<string | number> = [];
      for (let i = 0; i < 600; i++) args.push(1, tagged(slot, `gone-${i}`));
      await node.zadd(`${shardPrefix(slot)}@expiry`, ...args);
      await node.zadd(`${shardPrefix(slot)}@pk`, ...args.map((arg) => (typeof arg === 'number' ? 0 : arg)));
    }
    expect(await call({})).toEqual([PURGING]);
    const done = await call({ count: true });
    expect(done.slice(0, 3)).toEqual([DONE, expect.any(Number), 4]);
  });

  it('drops the entries of a document gone behind its back, keeping its place, and skips a slot being migrated', async () => {
    await node.del(`${keyPrefix}${pk(0, 'a')}`);
    const page = await call({});
    expect(items(page).find((item) => item[0] === pk(0, 'a'))?.[1]).toBeNull();
    expect(await node.zscore(`${shardPrefix(slots[0]!)}@pk`, pk(0, 'a'))).toBeNull();
    const other = [...(await cluster.primaries()).values()].find((each) => each.options.port !== node.options.port)!;
    await node.call('CLUSTER', 'SETSLOT', slots[1]!, 'MIGRATING', (await other.call('CLUSTER', 'MYID')) as string);
    try {
      const migrating = await call({ count: true });
      expect(migrating.slice(2, 5)).toEqual([1, 0, String(slots[1])]);
    } finally {
      await node.call('CLUSTER', 'SETSLOT', slots[1]!, 'STABLE');
    }
  });
});
