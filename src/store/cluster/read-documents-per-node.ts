import type { ChainableCommander, Cluster } from 'ioredis';
import { packReadDocumentsArgs, type DocumentRead, type ReadDocumentsReply } from '../scripts/read-documents.js';
import type { ScriptCall } from '../scripts/script-call.js';
import { readPerNode } from './read-per-node.js';

/** Runs read-documents.lua with `call`, on `pipeline` (queued) or alone (its reply). */
export type RunReadDocuments = (call: ScriptCall, pipeline?: ChainableCommander) => Promise<unknown> | undefined;

/**
 * read-documents.lua across a cluster: one call per slot, with that slot's keys, in one pipeline per node,
 * all sent at once (readPerNode). Per slot rather than one call per node (as getOnNodes reads): the keys one
 * call declares must share a slot, so a call per node would leave its keys undeclared
 * (`allow-cross-slot-keys`), and a slot migrating meanwhile would fail it mid-script, after some TTLs were
 * refreshed. A call per slot declares its keys, and Redis redirects it before it runs. Replies come back
 * in the order of `reads`.
 */
export function readDocumentsPerNode(
  cluster: Cluster,
  reads: readonly DocumentRead[],
  wantTtl: boolean,
  run: RunReadDocuments,
): Promise<ReadDocumentsReply> {
  const callOf = (positions: readonly number[]) =>
    packReadDocumentsArgs(
      positions.map((position) => reads[position] as DocumentRead),
      wantTtl,
    );
  return readPerNode<[string | null, number]>(
    cluster,
    reads.map((read) => read.key),
    {
      queue: (pipeline, positions) => void run(callOf(positions), pipeline),
      alone: (positions) => run(callOf(positions)) as Promise<unknown>,
    },
    [null, -2],
  );
}
