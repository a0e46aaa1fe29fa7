import { describe, expect, it } from 'vitest';
import { packDeleteDocumentsArgs } from '../src/store/scripts/delete-documents.js';
import { packDeleteWhereArgs } from '../src/store/scripts/delete-where.js';
import { packReindexBatchArgs } from '../src/store/scripts/reindex-batch.js';
import { packSetTtlArgs } from '../src/store/scripts/set-ttl.js';
import { packUnindexMissingArgs } from '../src/store/scripts/unindex-missing.js';
import { packWriteDocumentsArgs, type DocumentWriteArgs } from '../src/store/scripts/write-documents.js';
import { indexKeysAt } from '../src/store/keyspace.js';

const userKeys = indexKeysAt('p:User:', ['name']);
const orderKeys = indexKeysAt('p:Order:', []);
const write = (key: string, indexKeys: readonly string[]): DocumentWriteArgs => ({
  key,
  expect: 'any',
  document: '{}',
  ttl: 0,
  refreshTtl: true,
  indexPrefix: 'p:',
  pk: key,
  entries: '[]',
  indexKeys,
});

describe('the keys each write script declares', () => {
  it('write-documents: the documents, then the locks, then every index key they may touch, once each', () => {
    const { keys } = packWriteDocumentsArgs(
      [write('User:a', userKeys), write('User:b', userKeys), write('Order:o', orderKeys)],
      [{ lockKey: 'lock:a', value: 'v' }],
    );
    expect(keys).toEqual(['User:a', 'User:b', 'Order:o', 'lock:a', ...userKeys, ...orderKeys]);
  });

  it('delete-documents: the documents, then every index key, once each', () => {
    const { keys, args } = packDeleteDocumentsArgs([
      { key: 'User:a', indexPrefix: 'p:User:', pk: 'a', indexKeys: userKeys },
      { key: 'User:b', indexPrefix: 'p:User:', pk: 'b', indexKeys: userKeys },
    ]);
    expect(keys).toEqual(['User:a', 'User:b', ...userKeys]);
    expect(args).toEqual(['0', 'p:User:', 'a', 'p:User:', 'b']);
  });

  it("delete-documents with a record: the record's key last, its lifetime first", () => {
    const { keys, args } = packDeleteDocumentsArgs([{ key: 'User:a', indexPrefix: 'p:User:', pk: 'a', indexKeys: userKeys }], {
      key: 'rmg:wrote:1',
      lifetimeMs: 60_000,
    });
    expect(keys).toEqual(['User:a', ...userKeys, 'rmg:wrote:1']);
    expect(args).toEqual(['60000', 'p:User:', 'a']);
  });

  it("set-ttl: the document and its indexes' @expiry set", () => {
    expect(packSetTtlArgs('User:a', 'p:User:@expiry', 'a', 60)).toEqual({ keys: ['User:a', 'p:User:@expiry'], args: ['a', '60'] });
  });

  it('reindex-batch and unindex-missing: the documents, then the index keys', () => {
    expect(packReindexBatchArgs('p:User:', userKeys, [{ key: 'User:a', pk: 'a', sha1: 's', entries: '[]' }]).keys).toEqual([
      'User:a',
      ...userKeys,
    ]);
    expect(packUnindexMissingArgs('p:User:', userKeys, 'User:', ['a', 'b']).keys).toEqual(['User:a', 'User:b', ...userKeys]);
  });

  it('delete-where: every index key of its shard, then its temporary prefix and its record, which never exist', () => {
    const step = {
      indexPrefix: 'p:User:',
      indexKeys: userKeys,
      keyPrefix: 'User:',
      temporaryPrefix: 't:',
      plan: '["all"]',
      maxWork: 9,
      maxInstances: 2,
    };
    expect(packDeleteWhereArgs({ ...step, record: { key: 'rmg:wrote:1', lifetimeMs: 60_000 } })).toEqual({
      keys: [...userKeys, 't:', 'rmg:wrote:1'],
      args: ['p:User:', 'User:', 't:', '["all"]', '9', '2', '60000'],
    });
    expect(packDeleteWhereArgs(step).keys).toEqual([...userKeys, 't:']);
  });
});
