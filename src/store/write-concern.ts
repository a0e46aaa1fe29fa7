import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { notReplicated, redisUnavailable } from '../errors.js';
import { loadScript } from './lua/load-script.js';
import { commandTimeoutOf, isCluster, type RedisClient } from './redis-client.js';
import type { ReplicaLanes } from './replica-lanes.js';
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
 * How long WAIT waits for a replica: half the client's command timeout, so that WAIT answers how many
 * replicas it counted before the client gives up on it, with room for the write's script, sent in the
 * same breath. Never 0, which WAIT takes as "forever".
 */
export const replicaWaitMs = (redis: RedisClient) => {
  const timeoutMs = commandTimeoutOf(redis);
  return timeoutMs === undefined ? DEFAULT_REPLICA_WAIT_MS : Math.max(1, Math.floor(timeoutMs / 2));
};

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
 * The script `name` as a REPLICA write runs it, on a lane of its own (replica-lanes.ts): NOT_REPLICATED
 * when the script changed data (`wrote`) and no replica acknowledged it within `waitMs`; the script's
 * reply otherwise.
 */
export function awaitingReplica(lanes: ReplicaLanes, name: string, wrote: (reply: unknown) => boolean, waitMs: number) {
  const text = loadScript(name);
  const script: LuaScript = { text, sha: createHash('sha1').update(text).digest('hex'), sent: false };
  return async (call: ScriptCall): Promise<unknown> => {
    const { reply, replicas } = await lanes.use((lane) => runThenWait(lane, script, call, waitMs));
    if (wrote(reply) && !(replicas !== null && replicas >= 1)) throw notReplicated(waitMs);
    return reply;
  };
}

/** A script's text and digest; `sent` once a node has run it, so that EVALSHA is worth trying. */
export interface LuaScript {
  text: string;
  sha: string;
  sent: boolean;
}

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
 * EVAL the first time, EVALSHA after, and EVAL again when a node does not know the script (NOSCRIPT: it
 * ran nothing), as ioredis does for the scripts it defines. A pipeline
 * follows no redirection here (ioredis retries one only when every command that succeeded is read-only,
 * and WAIT is not): a script redirected or told to try again ran nowhere, so the pair is sent again,
 * after a fresh slot map for MOVED, up to MAX_ATTEMPTS times.
 */
export async function runThenWait(
  redis: RedisClient,
  script: LuaScript,
  { keys, args }: ScriptCall,
  waitMs: number,
): Promise<{ reply: unknown; replicas: number | null }> {
  let known = script.sent;
  for (let attempt = 1; ; attempt++) {
    const pipeline = redis.pipeline();
    if (known) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    else pipeline.eval(script.text, keys.length, ...keys, ...args);
    pipeline.wait(1, waitMs);
    const [ran, wait] = (await pipeline.exec()) ?? [];
    const error = ran ? ran[0] : new Error('The pipeline answered nothing for the write script.');
    if (!error) {
      script.sent = true;
      return { reply: ran?.[1], replicas: wait && !wait[0] ? Number(wait[1]) : null };
    }
    if (error.message.startsWith('NOSCRIPT') && known) {
      known = false;
      continue;
    }
    if (!isCluster(redis) || !REDIRECTED.test(error.message)) throw error;
    if (attempt >= MAX_ATTEMPTS)
      throw redisUnavailable(`the slot is moving or has no primary, and still answered ${error.message} after ${attempt} tries`);
    await (error.message.startsWith('MOVED') ? refreshedSlots(redis) : sleep(RETRY_MS));
  }
}

const refreshedSlots = (cluster: Cluster) => new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
