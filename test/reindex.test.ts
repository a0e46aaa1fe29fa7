import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGateway, createStore, defineModel, type Draft, type ModelDefinition, type Store } from '../src/index.js';
import { evaluateCondition, type Condition } from '../src/model/conditions.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/server/embedded-redis.js';
import { checkSetup } from '../src/store/indexes/check-setup.js';
import { reindexModel } from '../src/store/indexes/reindex.js';
import { indexKeysAt, keyspaceFor } from '../src/store/keyspace.js';
import { bounded, cleanUpClis, post, runCli, serve, stop, writeModelsFile } from './helpers/cli-process.js';
import { onCluster } from './helpers/modes.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';

const shape = z.object({ name: z.string(), age: z.int32().nullable() });
/** The same documents, seen by three versions of one model: before indexing, with one index, with two. */
const Unindexed = defineModel('Member', shape);
const ByAge = defineModel('Member', shape, { index: ['age'] });
const ByAgeAndName = defineModel('Member', shape, { index: ['age', 'name'] });

let redis: TestRedis;
beforeAll(async () => {
  redis = await openTestRedis();
});
beforeEach(() => redis.flush());
afterAll(() => redis.close());

const storeOf = (model: typeof ByAge) => createStore({ redis: redis.client, models: [model] });
/** Writes members whose pks share no slot on a cluster: there a step per slot, on one Redis one write. */
const insertMembers = (store: Store, drafts: Draft[]) => store.insert(drafts, { atomicity: 'PER_SLOT' });
/** Where the index entries of the member `pk` live: the model's one shard on one Redis, its slot's on a cluster. */
const shardOf = (pk: string) => keyspaceFor(redis.client).indexPrefix('Member', `Member:${pk}`);
/** Every index shard of Member that holds one of `pks`. */
const shardsOf = (pks: readonly string[]) => [...new Set(pks.map(shardOf))];
/** How many members the `@pk` sets of those shards hold in all. */
const indexedCount = async (pks: readonly string[]) =>
  (await Promise.all(shardsOf(pks).map((prefix) => redis.client.zcard(`${prefix}@pk`)))).reduce((sum, each) => sum + each, 0);
const pksOf = async (store: Store, model: ModelDefinition, where: Condition) => {
  const page = await store.session().findModels(model, { where, first: 1000 });
  return page.edges.map((edge) => edge.node!.pk).sort();
};
const members = (count: number, model: typeof ByAge) =>
  Array.from({ length: count }, (_, i) =>
    model.create({ name: `m${i}`, age: i % 3 === 0 ? null : i }, { pk: `m${String(i).padStart(3, '0')}` }),
  );

describe('reindex', () => {
  it('makes documents written before indexing existed findable, and counts what it indexed and left out', async () => {
    for (const draft of members(30, ByAge)) await redis.client.set(draft.key, JSON.stringify(draft.value));
    await redis.client.set('Member:broken', '{"name": 1');
    const store = storeOf(ByAge);
    expect(await pksOf(store, ByAge, {})).toEqual([]);

    const progress: number[] = [];
    const result = await reindexModel(redis.client, store.scripts, ByAge, ({ done }) => progress.push(done));

    expect(result).toMatchObject({ indexed: 30, corrupt: 1, removed: 0 });
    expect(result.corruptKeys).toEqual([
      { key: 'Member:broken', reason: expect.stringContaining('"Member:broken" is not a valid document') },
    ]);
    expect(progress.at(-1)).toBe(31);
    expect(await pksOf(store, ByAge, {})).toHaveLength(30);
    expect(await pksOf(store, ByAge, { age: { gte: 28 } })).toEqual(['m028', 'm029']);
    expect(await pksOf(store, ByAge, { age: { eq: null } })).toHaveLength(10);
  });

  it('rebuilds after the index definition changed, and startup says so until it has run', async () => {
    // As at startup: the check records the definition of a model with no documents, then it serves.
    expect(await checkSetup(redis.client, storeOf(ByAge).registry)).toEqual([]);
    await insertMembers(storeOf(ByAge), members(12, ByAge));
    expect(await checkSetup(redis.client, storeOf(ByAge).registry)).toEqual([]);

    const store = storeOf(ByAgeAndName);
    const warnings = await checkSetup(redis.client, store.registry);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Model Member');
    expect(warnings[0]).toContain('redis-model-gateway reindex --model Member');

    await reindexModel(redis.client, store.scripts, ByAgeAndName);
    expect(await checkSetup(redis.client, store.registry)).toEqual([]);
    expect(await pksOf(store, ByAgeAndName, { name: { in: ['m1', 'm11'] } })).toEqual(['m001', 'm011']);
  });

  it('drops the sets of fields no longer indexed, and the entries of documents that are gone', async () => {
    const store = storeOf(ByAgeAndName);
    const drafts = members(6, ByAgeAndName);
    await insertMembers(store, drafts);
    await redis.client.del('Member:m002');
    const result = await reindexModel(redis.client, store.scripts, ByAge);
    expect(result.removed).toBe(1);
    const shards = shardsOf(drafts.map((draft) => draft.pk));
    expect(await redis.exists(...shards.flatMap((prefix) => [`${prefix}name`, `${prefix}name:@null`]))).toBe(0);
    expect(await redis.client.zrange(`${shardOf('m002')}@pk`, '0', '-1')).not.toContain('m002');
    expect(await indexedCount(drafts.map((draft) => draft.pk))).toBe(5);
  });

  it('takes documents that no longer decode out of the indexes, reports them by key, and leaves them stored', async () => {
    const drafts = members(9, ByAge);
    await insertMembers(storeOf(ByAge), drafts);
    // The model changes: age becomes required, and the documents whose age is null no longer decode.
    const AgeRequired = defineModel('Member', z.object({ name: z.string(), age: z.int32() }), { index: ['age'] });
    const store = createStore({ redis: redis.client, models: [AgeRequired] });

    const result = await reindexModel(redis.client, store.scripts, AgeRequired);

    expect(result).toMatchObject({ indexed: 6, corrupt: 3, removed: 0 });
    expect(result.corruptKeys.map(({ key }) => key).sort()).toEqual(['Member:m000', 'Member:m003', 'Member:m006']);
    expect(result.corruptKeys[0]?.reason).toMatch(/^The value stored at "Member:m00\d" is not a valid document: /);
    // Finders no longer meet them: no edge with a CORRUPT_VALUE error in place of its node.
    const page = await store.session().findModels(AgeRequired, { where: {}, first: 100 });
    expect(page.edges.map((edge) => edge.node?.pk ?? edge.error?.code)).toEqual(['m001', 'm002', 'm004', 'm005', 'm007', 'm008']);
    for (const prefix of shardsOf(drafts.map((draft) => draft.pk)))
      expect(await redis.client.zrange(`${prefix}age:@null`, '0', '-1')).toEqual([]);
    expect(await redis.client.hkeys(`${shardOf('m003')}@entries`)).not.toContain('m003');
    expect(await redis.exists('Member:m000', 'Member:m003', 'Member:m006')).toBe(3);
  });

  it('leaves a document that a write fixed after the scan read it where that write indexed it', async () => {
    const AgeRequired = defineModel('Member', z.object({ name: z.string(), age: z.int32() }), { index: ['age'] });
    const store = createStore({ redis: redis.client, models: [AgeRequired] });
    await redis.client.set('Member:late', JSON.stringify({ name: 'late', age: null }));
    const stale = await redis.client.getBuffer('Member:late');
    await store.insert([AgeRequired.create({ name: 'late', age: 7 }, { pk: 'late' })], { onConflict: 'OVERWRITE' });

    // The batch as reindex sends it for the text it read before the write: take it out of the indexes.
    const { sha1Of } = await import('../src/store/write-documents.js');
    const reply = await store.scripts.reindexBatch(shardOf('late'), indexKeysAt(shardOf('late'), ['age']), [
      { key: 'Member:late', pk: 'late', sha1: sha1Of(stale as Buffer), entries: '' },
    ]);

    expect(reply).toEqual([0, []]);
    expect(await pksOf(store, AgeRequired, { age: { eq: 7 } })).toEqual(['late']);
  });

  it('is safe while the gateway writes: afterwards every document is found exactly where its values say', async () => {
    const store = storeOf(ByAge);
    for (const draft of members(200, ByAge)) await redis.client.set(draft.key, JSON.stringify(draft.value));
    const writes = Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        store.session().withLock(`Member:m${String(i * 2).padStart(3, '0')}`, 'edit', { update: { set: { age: 1000 + i } } }),
      ),
    );
    await Promise.all([reindexModel(redis.client, store.scripts, ByAge), writes]);

    const documents = await store.find(await redis.keys('Member:*'));
    for (const where of [{ age: { gte: 1000 } }, { age: { lt: 1000 } }, { age: { eq: null } }]) {
      const expected = documents
        .filter((doc) => evaluateCondition(where, doc.value))
        .map((doc) => doc.pk)
        .sort();
      expect(await pksOf(store, ByAge, where)).toEqual(expected);
    }
  });
});

// Against a redis-server of its own, configured to evict: the project's Redis plays no part.
describe.runIf(!onCluster())('startup checks', () => {
  let server: EmbeddedRedis;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rmg-startup-'));
    server = await startEmbeddedRedis({ dir, appendOnly: false, args: ['--maxmemory-policy', 'allkeys-lru'] });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('warn when Redis may evict documents', async () => {
    const gateway = createGateway({ models: [ByAge], redis: server.url, logging: false });
    try {
      const warnings = await gateway.checkRedis();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('allkeys-lru');
      expect(warnings[0]).toContain('noeviction');
    } finally {
      await gateway.close();
    }
  });

  it('record the index definition of a model with no documents yet', async () => {
    const client = new Redis(server.url);
    try {
      await client.flushall();
      expect(await checkSetup(client, createStore({ redis: client, models: [ByAge] }).registry)).toHaveLength(1);
      expect(await client.hget('rmg:idx:Member:@meta', 'fields')).toBe('[["age","score"]]');
    } finally {
      await client.quit();
    }
  });
});

describe('the reindex command', () => {
  it('reindexes the models of a models file against this Redis and prints the final count, with the keys it took out', async () => {
    const drafts = members(5, Unindexed);
    for (const draft of drafts) await redis.client.set(draft.key, JSON.stringify(draft.value));
    await redis.client.set('Member:broken', '{"name": ');
    const dir = await mkdtemp(join(tmpdir(), 'rmg-reindex-cli-'));
    try {
      const file = join(dir, 'models.mts');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        file,
        `import { z } from ${JSON.stringify(new URL('../node_modules/zod/index.js', import.meta.url).href)};\n` +
          `import { defineModel } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};\n` +
          `export const Member = defineModel('Member', z.object({ name: z.string(), age: z.int32().nullable() }), { index: ['age'] });\n`,
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['bin/redis-model-gateway.js', 'reindex', '--models', file, ...redis.cliFlags],
        {
          cwd: new URL('..', import.meta.url).pathname,
          timeout: 30_000,
        },
      );
      expect(stdout).toContain(
        [
          'Member: 5 indexed, 0 stale entries removed, 1 not decodable (taken out of the indexes)',
          '  not decodable: Member:broken: The value stored at "Member:broken" is not a valid document: it is not JSON.',
        ].join('\n'),
      );
      expect(await indexedCount(drafts.map((draft) => draft.pk))).toBe(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the reindex command, as serve suggests it', () => {
  afterAll(cleanUpClis);

  it('refuses to run without --models, writing nothing, and says how to name the models', async () => {
    const cli = runCli(['reindex', ...redis.cliFlags]);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'error: reindex needs --models: it rewrites the indexes of the models it is given, in the Redis it is given.',
      'hint: Name your models file (redis-model-gateway reindex --models models.ts), or --models demo for the demo shop.',
    ]);
    expect(await redis.dbsize()).toBe(0);
  });

  // About serve's embedded redis-server (--data-dir): the project's Redis plays no part.
  it.runIf(!onCluster())('is complete: run as printed while serve runs, it rebuilds the indexes of the Redis serve uses', async () => {
    const unindexed = await writeModelsFile(`export const Member = defineModel('Member', z.object({ name: z.string(), age: z.int32() }));`);
    const indexed = await writeModelsFile(
      `export const Member = defineModel('Member', z.object({ name: z.string(), age: z.int32() }), { index: ['age'] });`,
    );
    const before = await serve(['--models', unindexed]);
    const inserted = await post(
      before.url,
      'mutation { insertMany(models: [{ member: { name: "a", age: 1 } }, { member: { name: "b", age: 2 } }]) { key } }',
    );
    expect(inserted.body.errors).toBeUndefined();
    expect(await stop(before)).toBe(0);

    const after = await serve(['--models', indexed], {}, before.dataDir);
    const suggested = /Finders may miss documents until you run: (redis-model-gateway reindex .*)$/m.exec(after.stderr())?.[1];
    expect(suggested).toBe(`redis-model-gateway reindex --model Member --models ${indexed} --data-dir ${before.dataDir}`);

    const reindex = runCli((suggested as string).split(' ').slice(1));
    expect(await bounded(reindex.exited, 'reindex did not exit', reindex)).toBe(0);
    expect(reindex.stdout()).toContain(`using the redis-server of serve (pid ${after.child.pid})`);
    expect(reindex.stdout()).toContain('Member: 2 indexed, 0 stale entries removed, 0 not decodable (taken out of the indexes)');
    const found = await post(after.url, '{ allMembers(where: { age: { gte: 2 } }) { edges { node { name } } } }');
    expect(found.body).toEqual({ data: { allMembers: { edges: [{ node: { name: 'b' } }] } } });
    expect(await stop(after)).toBe(0);
  });
});
