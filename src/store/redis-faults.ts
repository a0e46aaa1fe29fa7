import { ReplyError } from 'ioredis';
import { isGatewayError, redisUnavailable, writeOutcomeUnknown, type GatewayError } from '../errors.js';
import { commandTimeoutOf, type RedisClient } from './redis-client.js';
import type { GatewayScripts } from './scripts.js';

/**
 * A read can always be retried. A write that may have reached Redis cannot be, safely: it may have been
 * applied, and running it again could answer KEY_EXISTS for the caller's own insert or overwrite a newer
 * write. So a failed write is told apart by whether it can have been sent.
 */
export type RedisCallKind = 'read' | 'write';

/**
 * Every script by what it does to documents, locks and indexes. `find` writes only temporary keys and
 * purges expired index entries, which a retry redoes harmlessly: a read. A script missing here fails
 * to compile, so that each new one is classified on purpose.
 */
export const SCRIPT_KINDS: Record<keyof GatewayScripts, RedisCallKind> = {
  readDocuments: 'read',
  find: 'read',
  findOnNode: 'read',
  writeDocuments: 'write',
  deleteDocuments: 'write',
  deleteWhere: 'write',
  deleteWhereOnNode: 'write',
  estimateWhere: 'read',
  reindexBatch: 'write',
  unindexMissing: 'write',
  setTtl: 'write',
  acquireLock: 'write',
  extendLock: 'write',
  releaseLock: 'write',
};

/**
 * Error replies by which Redis refuses a command before running any of it. OOM included: every script
 * but the delete by where runs without allow-oom, so over maxmemory Redis refuses it whole, before it
 * starts, and the delete by where, which frees memory, is let through.
 */
const REFUSED_REPLIES: Record<string, string> = {
  LOADING: 'it is loading its data',
  BUSY: 'it is busy running a script',
  MASTERDOWN: 'its primary is down',
  MISCONF: 'it cannot persist writes',
  READONLY: 'it is a read-only replica',
  OOM: 'it is over its maxmemory and refuses scripts that may allocate',
  TRYAGAIN: "the key's slot is being moved between nodes",
  CLUSTERDOWN: 'the cluster is down',
};

/**
 * ioredis follows MOVED, ASK, TRYAGAIN and CLUSTERDOWN, each answered before the command ran, up to
 * maxRedirections times, then gives up with this message: the command never ran (a slot moving for
 * longer than the redirections last).
 */
const TOO_MANY_REDIRECTIONS = /^Too many Cluster redirections\. Last error: ReplyError: (MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * ioredis's messages for a command it would not send: not connected and the offline queue is off (one
 * Redis; a cluster not ready), or a cluster none of whose nodes it could reach.
 */
const NOT_SENT = ["Stream isn't writeable", "Cluster isn't ready", 'None of startup nodes is available'];
const CONNECTION_CLOSED = 'Connection is closed.';
const TIMED_OUT = 'Command timed out';

/**
 * The GatewayError for a Redis call that failed for want of Redis, or null for any other failure (a
 * script error, a bug), which stays unexpected: masked at the edge and logged.
 * `closedBefore`: the client was closed for good before the call, so ioredis refused it unsent.
 */
export function redisFault(error: unknown, kind: RedisCallKind, closedBefore: boolean, timeoutMs?: number): GatewayError | null {
  // Already one of ours (NOT_REPLICATED, a slot that kept moving): it says what happened, and stays.
  if (!(error instanceof Error) || isGatewayError(error)) return null;
  if (error instanceof ReplyError) {
    const reply = error.message.split(' ', 1)[0] ?? '';
    const reason = REFUSED_REPLIES[reply];
    return reason === undefined ? null : redisUnavailable(`${reason}: it answered ${reply}`);
  }
  if (NOT_SENT.some((message) => error.message.startsWith(message))) return redisUnavailable('not connected');
  const redirected = TOO_MANY_REDIRECTIONS.exec(error.message)?.[1];
  if (redirected) return redisUnavailable(`the cluster kept redirecting the command (${redirected}): its slot is moving`);
  if (error.message === CONNECTION_CLOSED && closedBefore) return redisUnavailable('the connection is closed');
  const reason = lostReplyReason(error, timeoutMs);
  if (reason === null) return null;
  return kind === 'read' ? redisUnavailable(reason) : writeOutcomeUnknown(reason);
}

/** Why a sent command got no reply, or null when the error is not a lost reply. */
function lostReplyReason(error: Error, timeoutMs: number | undefined): string | null {
  if (error.message === TIMED_OUT) return timeoutMs === undefined ? 'no reply in time' : `no reply within ${timeoutMs} ms`;
  if (error.message === CONNECTION_CLOSED || error.name === 'MaxRetriesPerRequestError') return 'the connection was lost';
  // Socket errors (ECONNRESET, EPIPE, ...) that ioredis rejects the commands in flight with.
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `the connection failed: ${code}`;
  return null;
}

/** Runs one Redis call; a failure for want of Redis becomes REDIS_UNAVAILABLE or WRITE_OUTCOME_UNKNOWN. */
export async function callRedis<T>(redis: RedisClient, kind: RedisCallKind, call: () => Promise<T>): Promise<T> {
  const closedBefore = redis.status === 'end';
  try {
    return await call();
  } catch (error) {
    throw redisFault(error, kind, closedBefore, commandTimeoutOf(redis)) ?? error;
  }
}

/** The scripts with every call classified as above: the one place the store's script calls meet Redis faults. */
export function guardScripts(redis: RedisClient, scripts: GatewayScripts): GatewayScripts {
  const guarded: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(SCRIPT_KINDS) as Array<[keyof GatewayScripts, RedisCallKind]>) {
    const script = scripts[name] as (...args: unknown[]) => Promise<unknown>;
    guarded[name] = (...args: unknown[]) => callRedis(redis, kind, () => script(...args));
  }
  return guarded as unknown as GatewayScripts;
}
