import { setTimeout as sleep } from 'node:timers/promises';
import type { ChainableCommander, Cluster } from 'ioredis';
import { notReplicated, redisUnavailable } from '../errors.js';
import { commandTimeoutOf, isCluster, type RedisClient } from './redis-client.js';
import { parseAcquireLockReply } from './scripts/acquire-lock.js';
import { parseDeleteDocumentsReply } from './scripts/delete-documents.js';
import type { ScriptCall } from './scripts/script-call.js';
import { parseWriteDocumentsReply } from './scripts/write-documents.js';

/**
 * What a write waits for before it is acknowledged. PRIMARY: the primary applied it (Redis's own
 * acknowledgement). REPLICA: a replica has it too, as `WAIT 1` reports; a write that no replica
 * acknowledged in time is NOT_REPLICATED (it stands on the primary).
 */
export type WriteConcern = 'PRIMARY' | 'REPLICA';

export const WRITE_CONCERNS: readonly WriteConcern[] = ['PRIMARY', 'REPLICA'];

/** How long WAIT waits for a replica on a client without a command timeout. */
export const DEFAULT_REPLICA_WAIT_MS = 500;

/**
 * How long WAIT waits for a replica: half the client's command timeout, so that its reply comes before
 * the timeout would fail it (a write whose WAIT timed out would be WRITE_OUTCOME_UNKNOWN, though its
 * reply was in) and a write's script has the other half. Never 0, which WAIT takes as "forever".
 */
export const replicaWaitMs = (redis: RedisClient) => {
  const timeoutMs = commandTimeoutOf(redis);
  return timeoutMs === undefined ? DEFAULT_REPLICA_WAIT_MS : Math.max(1, Math.floor(timeoutMs / 2));
};

/** A script call as scripts.ts defines it: sent alone (its reply), or queued on `pipeline`. */
export type ScriptRun = (call: ScriptCall, pipeline?: ChainableCommander) => Promise<unknown>;

/**
 * Whether a write script's reply says it changed data a caller relies on, for the scripts a REPLICA write
 * goes through. A write refused (KEY_EXISTS, a lock held by another) changed nothing: it needs no replica.
 */
export const WROTE: Record<'writeDocuments' | 'deleteDocuments' | 'acquireLock', (reply: unknown) => boolean> = {
  writeDocuments: (reply) => parseWriteDocumentsReply(reply).status === 'written',
  deleteDocuments: (reply) => parseDeleteDocumentsReply(reply).includes(1),
  acquireLock: (reply) => parseAcquireLockReply(reply)[0] > 0,
};

/**
 * `run` with WAIT behind it: NOT_REPLICATED when the script changed data (`wrote`) and no replica
 * acknowledged it within `waitMs`; the script's reply otherwise.
 */
export const awaitingReplica =
  (redis: RedisClient, run: ScriptRun, wrote: (reply: unknown) => boolean, waitMs = replicaWaitMs(redis)) =>
  async (call: ScriptCall): Promise<unknown> => {
    const { reply, replicas } = await runThenWait(redis, run, call, waitMs);
    if (wrote(reply) && !(replicas !== null && replicas >= 1)) throw notReplicated(waitMs);
    return reply;
  };

/** Replies by which a cluster node refuses a command before running it, sending it elsewhere or asking for it later. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
/** As many tries as ioredis's maxRedirections, TRYAGAIN's 100 ms apart as ioredis spaces them. */
const MAX_ATTEMPTS = 16;
const RETRY_MS = 100;

/**
 * The script, then `WAIT 1 <waitMs>` in the same pipeline: one round trip, to one node, on one
 * connection. WAIT is refused inside a script and counts the replicas that have every write its own
 * connection made so far, so it must ride behind the script on the script's connection. It has no key:
 * a cluster pipeline goes where the script's keys live. `replicas` is null when WAIT itself failed (a
 * replica answers it with an error): the write went through, unacknowledged.
 *
 * A pipeline follows no redirection here (ioredis retries one only when every command that succeeded
 * is read-only, and WAIT is not): a script redirected or told to try again ran nowhere, so the pair is
 * sent again, after a fresh slot map for MOVED, up to MAX_ATTEMPTS times.
 */
export async function runThenWait(
  redis: RedisClient,
  run: ScriptRun,
  call: ScriptCall,
  waitMs: number,
): Promise<{ reply: unknown; replicas: number | null }> {
  for (let attempt = 1; ; attempt++) {
    const pipeline = redis.pipeline();
    void run(call, pipeline);
    pipeline.wait(1, waitMs);
    const [script, wait] = (await pipeline.exec()) ?? [];
    const scriptError = script ? script[0] : new Error('The pipeline answered nothing for the write script.');
    if (!scriptError) return { reply: script?.[1], replicas: wait && !wait[0] ? Number(wait[1]) : null };
    if (!isCluster(redis) || !REDIRECTED.test(scriptError.message)) throw scriptError;
    if (attempt >= MAX_ATTEMPTS)
      throw redisUnavailable(`the slot is moving or has no primary, and still answered ${scriptError.message} after ${attempt} tries`);
    await (scriptError.message.startsWith('MOVED') ? refreshedSlots(redis) : sleep(RETRY_MS));
  }
}

const refreshedSlots = (cluster: Cluster) => new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
