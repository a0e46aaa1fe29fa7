import type { Cluster, Redis } from 'ioredis';
import { keySlot } from './key-slot.js';

/** What copying one model's documents did. */
export interface CopyResult {
  copied: number;
  /** Keys the cluster held already: left as they are there, and not overwritten. */
  existing: number;
  /** The first REPORTED_EXISTING of them. */
  existingKeys: string[];
  /** Keys the scan found that were gone (expired, deleted) by the time they were dumped. */
  gone: number;
}

const BATCH = 500;
export const REPORTED_EXISTING = 10;
/** RESTORE's reply for a key that exists already (without REPLACE). */
const BUSYKEY = /^BUSYKEY /;
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN) /;

/**
 * Copies the documents of a model from one Redis to a cluster, as they are stored, with their TTLs:
 * SCAN `<Model>:*` on the source, DUMP and PTTL in one pipeline per batch, then RESTORE in one pipeline
 * per target primary. A key the cluster holds already is not overwritten but counted and named, so that
 * copying again copies nothing twice. Only documents are copied: the gateway's own keys (`rmg:`) are
 * laid out for one Redis there and would be in the wrong slots on a cluster; reindexing rebuilds them.
 * Keys go as their bytes, so a document that is not valid UTF-8 is copied unchanged too.
 */
export async function copyDocuments(
  source: Redis,
  target: Cluster,
  modelName: string,
  onBatch: (done: number) => void = () => {},
): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, existing: 0, existingKeys: [], gone: 0 };
  let done = 0;
  for await (const keys of source.scanBufferStream({ match: `${modelName}:*`, count: BATCH }) as AsyncIterable<Buffer[]>) {
    if (keys.length === 0) continue;
    const read = source.pipeline();
    for (const key of keys) read.dumpBuffer(key).pttl(key);
    const replies = (await read.exec()) ?? [];
    const dumps: Array<{ key: Buffer; dump: Buffer; ttlMs: number }> = [];
    keys.forEach((key, i) => {
      const [dumpError, dump] = replies[2 * i] ?? [null, null];
      const [ttlError, ttlMs] = replies[2 * i + 1] ?? [null, -2];
      if (dumpError ?? ttlError) throw dumpError ?? ttlError;
      // PTTL -1: no TTL (RESTORE's 0); -2: expired between the dump and the PTTL, so gone: restored with
      // no TTL it would live for ever.
      if (dump && ttlMs !== -2) dumps.push({ key, dump: dump as Buffer, ttlMs: Math.max(0, ttlMs as number) });
      else result.gone += 1;
    });
    const outcomes = await restoreByNode(target, dumps);
    outcomes.forEach((outcome, i) => {
      if (outcome === 'copied') result.copied += 1;
      else {
        result.existing += 1;
        if (result.existingKeys.length < REPORTED_EXISTING) result.existingKeys.push((dumps[i] as { key: Buffer }).key.toString('utf8'));
      }
    });
    done += keys.length;
    onBatch(done);
  }
  return result;
}

/** RESTOREs in one pipeline per primary; a key whose slot moved meanwhile is restored alone, which follows the redirection. */
async function restoreByNode(
  target: Cluster,
  dumps: ReadonlyArray<{ key: Buffer; dump: Buffer; ttlMs: number }>,
): Promise<Array<'copied' | 'existing'>> {
  const byNode = new Map<string, number[]>();
  dumps.forEach(({ key }, i) => {
    const node = target.slots[keySlot(key)]?.join(';') ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), i]);
  });
  const outcomes = new Array<'copied' | 'existing'>(dumps.length);
  const outcomeOf = (error: Error | null): 'copied' | 'existing' => {
    if (!error) return 'copied';
    if (BUSYKEY.test(error.message)) return 'existing';
    throw error;
  };
  const alone = async (i: number) => {
    const { key, dump, ttlMs } = dumps[i] as { key: Buffer; dump: Buffer; ttlMs: number };
    outcomes[i] = await target.restore(key, ttlMs, dump).then(
      () => outcomeOf(null),
      (error: Error) => outcomeOf(error),
    );
  };
  await Promise.all(
    [...byNode].map(async ([node, positions]) => {
      if (node === '') return Promise.all(positions.map(alone));
      const pipeline = target.pipeline();
      for (const i of positions) {
        const { key, dump, ttlMs } = dumps[i] as { key: Buffer; dump: Buffer; ttlMs: number };
        pipeline.restore(key, ttlMs, dump);
      }
      const replies = await pipeline.exec().catch(() => null);
      return Promise.all(
        positions.map(async (i, j) => {
          const reply = replies?.[j];
          // A pipeline refused whole (its slots no longer on one node), or a key redirected: restored alone.
          if (!reply || (reply[0] && REDIRECTED.test(reply[0].message))) return alone(i);
          outcomes[i] = outcomeOf(reply[0]);
        }),
      );
    }),
  );
  return outcomes;
}
