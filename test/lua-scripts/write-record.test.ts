import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotTag } from '../../src/store/cluster/slot-tags.js';
import { indexKeysAt } from '../../src/store/keyspace.js';
import { packWriteDocumentsArgs, WRITE_DOCUMENTS, type DocumentWriteArgs } from '../../src/store/scripts/write-documents.js';
import { openTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { evalScript } from './eval-script.js';

/*
 * On a primary of the run's test cluster, which has a replica: its replication offset tells whether a
 * call sent its replicas anything. A WAIT behind a call (writeConcern REPLICA) counts the replicas that
 * have the connection's last write; from Redis 7.2 that moves only with commands that reach replicas.
 */
const run = randomBytes(4).toString('hex');

let cluster: TestCluster;
let node: Redis;
let tag: string;
beforeAll(async () => {
  cluster = await openTestCluster();
  const [owner, first] = [...(await cluster.primaries())][0]!;
  node = first;
  const slot = Number(Object.keys(cluster.client.slots).find((each) => cluster.client.slots[Number(each)]?.[0] === owner));
  tag = `{${slotTag(slot)}}`;
});
afterAll(() => cluster.close());

const replicationOffset = async () => Number(/master_repl_offset:(\d+)/.exec(await node.info('replication'))?.[1]);

describe("a write's record answered again", () => {
  it('is a write the replicas receive, though the document is not written again, and keeps the record its expiry', async () => {
    const prefix = `idx${run}:${tag}:T:`;
    const document: DocumentWriteArgs = {
      key: `T${run}:${tag}a`,
      expect: 'absent',
      document: '{"n":1}',
      ttl: 0,
      refreshTtl: true,
      indexPrefix: prefix,
      pk: `${tag}a`,
      entries: '[]',
      indexKeys: indexKeysAt(prefix, []),
    };
    const record = { key: `wrote${run}:${tag}1`, lifetimeMs: 60_000 };
    const call = packWriteDocumentsArgs([document], [], record);
    const first = await evalScript(node, WRITE_DOCUMENTS, call);
    const recordTtl = await node.pttl(record.key);

    const before = await replicationOffset();
    expect(await evalScript(node, WRITE_DOCUMENTS, call)).toEqual(first);
    expect(await replicationOffset()).toBeGreaterThan(before);
    expect(await node.get(document.key)).toBe('{"n":1}');
    const ttlAfter = await node.pttl(record.key);
    expect(ttlAfter).toBeGreaterThan(0);
    expect(ttlAfter).toBeLessThanOrEqual(recordTtl);
  });
});
