import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  packWriteDocumentsArgs,
  parseWriteDocumentsReply,
  WRITE_DOCUMENTS,
  type DocumentWriteArgs,
  type LockCheckArgs,
} from '../../src/store/scripts/write-documents.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, INDEX_KEYS, members, PREFIX, serverMs } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

const sha1 = (text: string) => `sha1:${createHash('sha1').update(text).digest('hex')}`;

const doc = (pk: string, overrides: Partial<DocumentWriteArgs> = {}): DocumentWriteArgs => ({
  key: `T:${pk}`,
  expect: 'any',
  document: `{"pk":"${pk}"}`,
  ttl: 0,
  refreshTtl: true,
  indexPrefix: PREFIX,
  pk,
  entries: JSON.stringify([['age', 's', 7]]),
  indexKeys: INDEX_KEYS,
  ...overrides,
});

const run = (documents: DocumentWriteArgs[], locks: LockCheckArgs[] = []) =>
  evalScript(redis.client, WRITE_DOCUMENTS, packWriteDocumentsArgs(documents, locks));

describe('write-documents.lua', () => {
  it('records a write under its write id: the same call again answers the record and writes nothing', async () => {
    const record = { key: 'wrote:1', lifetimeMs: 60_000 };
    const once = (document: string) =>
      evalScript(redis.client, WRITE_DOCUMENTS, packWriteDocumentsArgs([doc('a', { expect: 'absent', document })], [], record));
    expect(await once('{"pk":"a"}')).toEqual([0, -1]);
    // Absent no more, yet answered as written: a re-sent script is applied once.
    expect(await once('{"pk":"a","again":true}')).toEqual([0, -1]);
    expect(await redis.client.get('T:a')).toBe('{"pk":"a"}');
    const lifetime = await redis.client.pttl('wrote:1');
    expect(lifetime).toBeGreaterThan(50_000);
    expect(lifetime).toBeLessThanOrEqual(60_000);
  });

  it('records no refusal: the same call again checks again', async () => {
    await redis.client.set('T:a', 'there');
    const record = { key: 'wrote:2', lifetimeMs: 60_000 };
    const call = packWriteDocumentsArgs([doc('a', { expect: 'absent' })], [], record);
    expect(await evalScript(redis.client, WRITE_DOCUMENTS, call)).toEqual([1, 1]);
    expect(await redis.client.exists('wrote:2')).toBe(0);
    await redis.client.del('T:a');
    expect(await evalScript(redis.client, WRITE_DOCUMENTS, call)).toEqual([0, -1]);
  });

  it('writes every document with its index entries and answers {0, ttl...}: -1 without a ttl', async () => {
    expect(
      await run([
        doc('a'),
        doc('b', {
          entries: JSON.stringify([
            ['name', 'l', 'bo\0\0b'],
            ['age', 'n'],
          ]),
        }),
      ]),
    ).toEqual([0, -1, -1]);
    expect(await redis.client.mget('T:a', 'T:b')).toEqual(['{"pk":"a"}', '{"pk":"b"}']);
    expect(await members(redis.client, `${PREFIX}@pk`)).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([['a', 7]]);
    expect(await members(redis.client, `${PREFIX}name`)).toEqual([['bo\0\0b', 0]]);
    expect(await members(redis.client, `${PREFIX}age:@null`)).toEqual([['b', 0]]);
    expect(await redis.client.hget(`${PREFIX}@entries`, 'a')).toBe(JSON.stringify([['age', 's', 7]]));
    expect(await redis.client.exists(`${PREFIX}@expiry`)).toBe(0);
  });

  it("replaces a document's previous index entries with the new ones", async () => {
    await run([
      doc('a', {
        entries: JSON.stringify([
          ['age', 's', 7],
          ['name', 'l', 'x\0\0a'],
        ]),
      }),
    ]);
    await run([doc('a', { entries: JSON.stringify([['age', 's', 9]]) })]);
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([['a', 9]]);
    expect(await redis.client.exists(`${PREFIX}name`)).toBe(0);
  });

  it('sets the ttl when writes refresh it, and scores the @expiry entry at the new expiry', async () => {
    await redis.client.set('T:a', 'old', 'EX', 1000);
    const before = await serverMs(redis.client);
    expect(await run([doc('a', { ttl: 60 })])).toEqual([0, 60]);
    const after = await serverMs(redis.client);
    expect(await redis.client.ttl('T:a')).toBe(60);
    const [[, score] = ['', 0]] = await members(redis.client, `${PREFIX}@expiry`);
    expect(score).toBeGreaterThanOrEqual(before + 60_000);
    expect(score).toBeLessThanOrEqual(after + 60_000);
  });

  it('keeps what is left of a TTL when writes do not refresh it, and gives the ttl to a key without one', async () => {
    await redis.client.set('T:a', 'old', 'EX', 1000);
    const [status, kept = 0, given] = (await run([
      doc('a', { ttl: 60, refreshTtl: false }),
      doc('b', { ttl: 60, refreshTtl: false }),
    ])) as number[];
    expect(status).toBe(0);
    expect(kept).toBeGreaterThan(990);
    expect(kept).toBeLessThanOrEqual(1000);
    expect(given).toBe(60);
    expect(await redis.client.get('T:a')).toBe('{"pk":"a"}');
  });

  it('clears the TTL a key had when its model has none', async () => {
    await redis.client.set('T:a', 'old', 'EX', 1000);
    expect(await run([doc('a')])).toEqual([0, -1]);
    expect(await redis.client.ttl('T:a')).toBe(-1);
  });

  it('answers {1, i} when document i must be absent and exists, writing none of the documents', async () => {
    await redis.client.set('T:b', 'there');
    const reply = await run([doc('a', { expect: 'absent' }), doc('b', { expect: 'absent' })]);
    expect(reply).toEqual([1, 2]);
    expect(parseWriteDocumentsReply(reply)).toEqual({ status: 'exists', index: 1 });
    expect(await redis.client.exists('T:a', `${PREFIX}@pk`, `${PREFIX}age`)).toBe(0);
    expect(await redis.client.get('T:b')).toBe('there');
  });

  it('answers {2, j} when lock j is no longer held with its value, writing nothing', async () => {
    await redis.client.set('lock:1', 'mine');
    await redis.client.set('lock:2', 'someone else');
    const locks = [
      { lockKey: 'lock:1', value: 'mine' },
      { lockKey: 'lock:2', value: 'mine' },
    ];
    const reply = await run([doc('a')], locks);
    expect(reply).toEqual([2, 2]);
    expect(parseWriteDocumentsReply(reply)).toEqual({ status: 'lockLost', index: 1 });
    expect(await redis.client.exists('T:a')).toBe(0);
    expect(await run([doc('a')], [{ lockKey: 'lock:gone', value: 'mine' }])).toEqual([2, 1]);
    expect(await run([doc('a')], [{ lockKey: 'lock:1', value: 'mine' }])).toEqual([0, -1]);
  });

  it('answers {3, i} when document i changed since it was read, writing none of the documents', async () => {
    await redis.client.set('T:a', 'read');
    await redis.client.set('T:b', 'read');
    const reply = await run([doc('a', { expect: sha1('read') }), doc('b', { expect: sha1('what was read before') })]);
    expect(reply).toEqual([3, 2]);
    expect(await redis.client.mget('T:a', 'T:b')).toEqual(['read', 'read']);
    expect(await run([doc('a', { expect: sha1('read') })])).toEqual([0, -1]);
  });

  it('answers {4, i} when document i is gone since it was read, writing none of the documents', async () => {
    await redis.client.set('T:a', 'read');
    const reply = await run([doc('a', { expect: sha1('read') }), doc('b', { expect: sha1('read') })]);
    expect(reply).toEqual([4, 2]);
    expect(parseWriteDocumentsReply(reply)).toEqual({ status: 'gone', index: 1 });
    expect(await redis.client.get('T:a')).toBe('read');
  });

  it('checks the locks before the documents', async () => {
    await redis.client.set('T:a', 'there');
    expect(await run([doc('a', { expect: 'absent' })], [{ lockKey: 'lock:gone', value: 'mine' }])).toEqual([2, 1]);
  });
});
