import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DELETE_DOCUMENTS, packDeleteDocumentsArgs } from '../../src/store/scripts/delete-documents.js';
import { WRITE_DOCUMENTS, packWriteDocumentsArgs } from '../../src/store/scripts/write-documents.js';
import { openStandaloneRedis, type StandaloneRedis } from '../helpers/redis.js';
import { evalScript, INDEX_KEYS, members, PREFIX } from './eval-script.js';

let redis: StandaloneRedis;
beforeAll(async () => (redis = await openStandaloneRedis()));
beforeEach(() => redis.client.flushdb());
afterAll(() => redis.close());

const write = (pk: string, entries: unknown[]) =>
  evalScript(
    redis.client,
    WRITE_DOCUMENTS,
    packWriteDocumentsArgs(
      [
        {
          key: `T:${pk}`,
          expect: 'any',
          document: '{}',
          ttl: 60,
          refreshTtl: true,
          indexPrefix: PREFIX,
          pk,
          entries: JSON.stringify(entries),
          indexKeys: INDEX_KEYS,
        },
      ],
      [],
    ),
  );

const run = (pks: string[]) =>
  evalScript(
    redis.client,
    DELETE_DOCUMENTS,
    packDeleteDocumentsArgs(pks.map((pk) => ({ key: `T:${pk}`, indexPrefix: PREFIX, pk, indexKeys: INDEX_KEYS }))),
  );

describe('delete-documents.lua', () => {
  it('records what it deleted under its write id: the same call again answers the record', async () => {
    await redis.client.set('T:a', '{}');
    const call = packDeleteDocumentsArgs([{ key: 'T:a', indexPrefix: PREFIX, pk: 'a', indexKeys: INDEX_KEYS }], {
      key: 'wrote:1',
      lifetimeMs: 60_000,
    });
    expect(await evalScript(redis.client, DELETE_DOCUMENTS, call)).toEqual([1]);
    // Gone now, yet answered as deleted: a re-sent delete reports what the first run did.
    expect(await evalScript(redis.client, DELETE_DOCUMENTS, call)).toEqual([1]);
    expect(await redis.client.pttl('wrote:1')).toBeGreaterThan(50_000);
  });

  it('answers 1 per deleted key and 0 per missing one, in order', async () => {
    await redis.client.set('T:a', '{}');
    expect(await run(['missing', 'a'])).toEqual([0, 1]);
    expect(await redis.client.exists('T:a')).toBe(0);
  });

  it("takes each key's entries out of every index, and leaves the others' alone", async () => {
    await write('a', [
      ['age', 's', 7],
      ['name', 'l', 'x\0\0a'],
      ['city', 'n'],
    ]);
    await write('b', [['age', 's', 8]]);
    expect(await run(['a'])).toEqual([1]);
    expect(await members(redis.client, `${PREFIX}@pk`)).toEqual([['b', 0]]);
    expect(await members(redis.client, `${PREFIX}age`)).toEqual([['b', 8]]);
    expect((await members(redis.client, `${PREFIX}@expiry`)).map(([pk]) => pk)).toEqual(['b']);
    expect(await redis.client.exists(`${PREFIX}name`, `${PREFIX}city:@null`)).toBe(0);
    expect(await redis.client.hkeys(`${PREFIX}@entries`)).toEqual(['b']);
  });

  it('takes the entries of a key that is already gone out of the indexes too', async () => {
    await write('a', [['age', 's', 7]]);
    await redis.client.del('T:a');
    expect(await run(['a'])).toEqual([0]);
    expect(await redis.client.exists(`${PREFIX}@pk`, `${PREFIX}age`, `${PREFIX}@entries`)).toBe(0);
  });
});
