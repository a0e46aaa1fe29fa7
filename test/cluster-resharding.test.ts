import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, User } from '../examples/shop.js';
import { createStore, isGatewayError, redisClusterOptions, type Store } from '../src/index.js';
import { keySlot } from '../src/store/cluster/key-slot.js';
import { slotTag } from '../src/store/cluster/slot-tags.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { assignSlot, keysEverywhere, migrate, nodeId, primaryFor, startMigration } from './helpers/cluster-keys.js';
import { untilEveryNode } from './helpers/redis-cluster.js';
import { heldClusterNodes, openTestCluster, type TestCluster } from './helpers/test-cluster.js';

/*
 * Writes go on while their slots move between primaries, the way `redis-cli --cluster reshard` moves
 * them (IMPORTING, MIGRATING, MIGRATE key by key, SETSLOT NODE), and back. One writer runs a fixed
 * sequence of PER_SLOT inserts and deletes over two slots, each retried under its write id until it
 * succeeds; the mover waits on the writer's counters (not the clock) so that writes meet every stage.
 * Then the same writer runs while redis-cli itself reshards two slots away and back: which stages its
 * writes meet is redis-cli's timing, and what must hold afterwards is the same.
 */

const run = randomBytes(4).toString('hex');
const tags = [`{rh${run}a}`, `{rh${run}b}`] as const;
const PKS_PER_SLOT = 4;
/** Failures a write may meet in a row while a slot is half moved: far more than a move's stages take. */
const MAX_ATTEMPTS = 200;
const RETRYABLE = new Set(['REDIS_UNAVAILABLE', 'WRITE_OUTCOME_UNKNOWN', 'PARTIALLY_WRITTEN']);

let cluster: TestCluster;
let primaries: Map<string, Redis>;

beforeAll(async () => {
  cluster = await openTestCluster();
  primaries = await cluster.primaries();
});
afterAll(async () => {
  await cluster.close();
});

/** Resolves once a counter reaches a target; the writer moves the counters, the mover waits on them. */
class Counter {
  value = 0;
  private waiting: Array<{ target: number; resolve: () => void }> = [];
  add(): void {
    this.value += 1;
    this.waiting = this.waiting.filter(({ target, resolve }) => (this.value >= target ? void resolve() : true));
  }
  /** Resolves after `more` further counts. */
  next(more: number): Promise<void> {
    const target = this.value + more;
    return new Promise((resolve) => (this.value >= target ? resolve() : this.waiting.push({ target, resolve })));
  }
}

/** The writer: its sequence of writes, what it believes is stored once each succeeded, and its counters. */
class Writer {
  readonly stored = new Map<string, { name: string; age: number }>();
  readonly failures = new Counter();
  readonly done = new Counter();
  /** Writes that failed at least once before they succeeded. */
  retried = 0;
  /** Failures after which some slot groups of the write were written and others not. */
  partial = 0;
  private stopped = false;
  private finished: Promise<void> = Promise.resolve();

  /** `prefixes`: one pk prefix per slot, each starting with that slot's hash tag. */
  constructor(
    private readonly store: Store,
    private readonly prefixes: readonly string[] = tags,
  ) {}

  start(): void {
    this.finished = (async () => {
      for (let step = 0; !this.stopped; step++) await this.write(step);
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.finished;
  }

  /** Step n: every pk of both slots written with age n, or, every third step, one pk of each slot deleted. */
  private async write(step: number): Promise<void> {
    const writeId = `rh-${run}-${this.prefixes.length}-${keySlot(this.prefixes[0] ?? '')}-${step}`;
    const pks = this.prefixes.flatMap((tag) => Array.from({ length: PKS_PER_SLOT }, (_, i) => `${tag}${i}`));
    const deleting = step % 3 === 2;
    const chosen = deleting ? this.prefixes.map((tag) => `${tag}${step % PKS_PER_SLOT}`) : pks;
    for (let attempt = 1; ; attempt++) {
      try {
        if (deleting)
          await this.store.session().deleteMany(
            chosen.map((pk) => `User:${pk}`),
            { atomicity: 'PER_SLOT', writeId },
          );
        else
          await this.store.insert(
            chosen.map((pk) => User.create({ name: `v${step}`, age: step, email: 'r@example.com' }, { pk })),
            { atomicity: 'PER_SLOT', writeId },
          );
        break;
      } catch (error) {
        if (!isGatewayError(error) || !RETRYABLE.has(error.code) || attempt >= MAX_ATTEMPTS) throw error;
        this.retried += attempt === 1 ? 1 : 0;
        const groups = error.details.groups as Array<{ written: boolean }> | undefined;
        this.partial += groups?.some((group) => group.written) ? 1 : 0;
        this.failures.add();
      }
    }
    for (const pk of chosen) {
      if (deleting) this.stored.delete(pk);
      else this.stored.set(pk, { name: `v${step}`, age: step });
    }
    this.done.add();
  }
}

/**
 * Moves `slot` from `from` to `to` in stages, each one met by the writer's attempts: the slot marked as
 * moving, every key still on `from`; its documents moved and their index entries not; every key moved;
 * the slot assigned to `to`. Until the last, a write to the slot is refused whole: its record's key is
 * new, so some of the keys it declares are never all on one node (TRYAGAIN).
 */
async function moveSlot(writer: Writer, slot: number, from: Redis, to: Redis, documents: readonly string[]): Promise<void> {
  await startMigration(slot, from, to);
  await writer.failures.next(2);
  // MIGRATE moves those that exist and answers NOKEY when none does.
  await migrate(slot, from, to, documents);
  await writer.failures.next(2);
  await migrate(slot, from, to);
  await assignSlot(slot, [from, to], to);
  await writer.done.next(2);
}

/** What the cluster holds of `tag`'s slot: each document's name and age, and each index of User there. */
async function storedIn(client: Cluster, tag: string) {
  const prefix = clusterKeyspace.indexPrefix('User', `User:${tag}`);
  const documents = new Map<string, { name: string; age: number }>();
  for (const key of await keysEverywhere(primaries, `User:${tag}*`)) {
    const { name, age } = JSON.parse((await client.get(key)) ?? '{}') as { name: string; age: number };
    documents.set(key.slice('User:'.length), { name, age });
  }
  const ages = await client.zrange(`${prefix}age`, '0', '-1', 'WITHSCORES');
  return {
    documents,
    pks: (await client.zrange(`${prefix}@pk`, '0', '-1')).sort(),
    entries: (await client.hkeys(`${prefix}@entries`)).sort(),
    names: (await client.zrange(`${prefix}name`, '0', '-1')).sort(),
    ages: Object.fromEntries(Array.from({ length: ages.length / 2 }, (_, i) => [ages[2 * i], Number(ages[2 * i + 1])])),
  };
}

/** The documents of each prefix are what the writer last wrote, and every index of the slot lists exactly them. */
async function expectStoredAsWritten(writer: Writer, prefixes: readonly string[]): Promise<void> {
  for (const tag of prefixes) {
    const expected = new Map([...writer.stored].filter(([pk]) => pk.startsWith(tag)));
    const held = await storedIn(cluster.client, tag);
    expect(held.documents).toEqual(expected);
    const pks = [...expected.keys()].sort();
    expect(held.pks).toEqual(pks);
    expect(held.entries).toEqual(pks);
    expect(held.names).toEqual(pks.map((pk) => `${expected.get(pk)?.name}\0\0${pk}`).sort());
    expect(held.ages).toEqual(Object.fromEntries(pks.map((pk) => [pk, expected.get(pk)?.age])));
  }
}

/** The port of the node that `node` says serves `slot`. */
async function ownerPort(node: Redis, slot: number): Promise<number | undefined> {
  const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  return ranges.find(([first, last]) => first <= slot && slot <= last)?.[2][1];
}

describe('writes while slots move between primaries', () => {
  it('never half-write: indexes equal the documents afterwards, and every write refused meanwhile succeeds when retried with its writeId', async () => {
    const slots = tags.map((tag) => keySlot(tag));
    expect(slots[0]).not.toBe(slots[1]);
    const writerClient = cluster.connect({ ...redisClusterOptions(), retryDelayOnTryAgain: 20 });
    await new Promise((resolve) => writerClient.once('ready', resolve));
    const writer = new Writer(createStore({ redis: writerClient, models }));
    const owners = tags.map((tag) => primaryFor(cluster.client, primaries, tag));
    const targets = owners.map((owner) => [...primaries.values()].find((primary) => primary !== owner) as Redis);
    const documentsOf = (tag: string) => Array.from({ length: PKS_PER_SLOT }, (_, i) => `User:${tag}${i}`);
    const moved: number[] = [];
    writer.start();
    try {
      for (const [i, slot] of slots.entries()) {
        moved.push(i);
        await moveSlot(writer, slot, owners[i] as Redis, targets[i] as Redis, documentsOf(tags[i] as string));
      }
      for (const [i, slot] of slots.entries()) {
        await moveSlot(writer, slot, targets[i] as Redis, owners[i] as Redis, documentsOf(tags[i] as string));
        moved.splice(moved.indexOf(i), 1);
      }
    } finally {
      await writer.stop().catch(() => undefined);
      // A failed stage leaves its slot where it can be put back from: every key of it to its first owner.
      for (const i of moved) {
        const [slot, owner, target] = [slots[i] as number, owners[i] as Redis, targets[i] as Redis];
        await assignSlot(slot, [owner, target], target).catch(() => undefined);
        await startMigration(slot, target, owner);
        await migrate(slot, target, owner);
        await assignSlot(slot, [owner, target], owner);
      }
      writerClient.disconnect();
    }
    await writer.stop();

    expect(writer.retried).toBeGreaterThanOrEqual(4);
    // While the higher of the two slots moves, the lower one's group is written and the write stops: its
    // retries are answered from that group's record and finish the other.
    expect(writer.partial).toBeGreaterThanOrEqual(1);
    // Each move waits for two writes after it.
    expect(writer.done.value).toBeGreaterThanOrEqual(8);
    await expectStoredAsWritten(writer, tags);
    // The layout other spec files share is as it was: each slot served by its first owner.
    for (const [i, slot] of slots.entries()) expect(await ownerPort(owners[i] as Redis, slot)).toBe(owners[i]?.options.port);
  }, 120_000);
});

describe('writes while redis-cli --cluster reshard moves their slots', () => {
  /**
   * `redis-cli --cluster reshard` moving `count` slots from one primary to another: the source's lowest
   * ones, as redis-cli picks them. Resolves once every node names the new owner of each.
   */
  async function reshard(from: Redis, to: Redis, slots: readonly number[]): Promise<void> {
    const address = `${from.options.host ?? '127.0.0.1'}:${from.options.port}`;
    const [fromId, toId] = await Promise.all([nodeId(from), nodeId(to)]);
    await promisify(execFile)('redis-cli', [
      ...['--cluster', 'reshard', address, '--cluster-from', fromId, '--cluster-to', toId],
      ...['--cluster-slots', String(slots.length), '--cluster-yes'],
    ]);
    await untilEveryNode(
      heldClusterNodes(),
      async (node) => (await Promise.all(slots.map((slot) => ownerPort(node, slot)))).every((port) => port === to.options.port),
      `Not every node names port ${to.options.port} the owner of slots ${slots.join(', ')}.`,
    );
  }

  it('never half-writes, and every write refused meanwhile succeeds when retried with its writeId', async () => {
    // The two lowest slots of the primary that serves slot 0: those redis-cli moves first.
    const source = primaryFor(cluster.client, primaries, `{${slotTag(0)}}`);
    const ranges = (await source.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    const served = ranges.filter(([, , [, port]]) => port === source.options.port).sort(([a], [b]) => a - b);
    const lowest = served[0] as [number, number, unknown];
    expect(lowest[1] - lowest[0]).toBeGreaterThanOrEqual(1);
    const slots = [lowest[0], lowest[0] + 1];
    const prefixes = slots.map((slot) => `{${slotTag(slot)}}${run}-`);
    const target = [...primaries.values()].find((primary) => primary !== source) as Redis;
    // Moved back by a reshard from the target, whose lowest slots they then are.
    const targetLowest = Math.min(...ranges.filter(([, , [, port]]) => port === target.options.port).map(([first]) => first));
    expect(slots[1]).toBeLessThan(targetLowest);

    const writerClient = cluster.connect({ ...redisClusterOptions(), retryDelayOnTryAgain: 20 });
    await new Promise((resolve) => writerClient.once('ready', resolve));
    const writer = new Writer(createStore({ redis: writerClient, models }), prefixes);
    writer.start();
    try {
      await writer.done.next(2);
      await reshard(source, target, slots);
      await writer.done.next(2);
      // Back: the two slots are now the target's lowest.
      await reshard(target, source, slots);
      await writer.done.next(2);
    } finally {
      await writer.stop().catch(() => undefined);
      writerClient.disconnect();
    }
    await writer.stop();

    expect(writer.done.value).toBeGreaterThanOrEqual(6);
    await expectStoredAsWritten(writer, prefixes);
    for (const slot of slots) expect(await ownerPort(source, slot)).toBe(source.options.port);
  }, 120_000);
});
