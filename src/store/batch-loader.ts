import DataLoader from 'dataloader';
import { isGatewayError } from '../errors.js';
import { decodeDocument } from '../model/document-codec.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { ResolvedKey } from '../model/registry.js';
import { getOnNodes } from './cluster/get-on-nodes.js';
import { keyspaceFor } from './keyspace.js';
import { isCluster, type RedisClient } from './redis-client.js';
import { callRedis } from './redis-faults.js';
import type { GatewayScripts } from './scripts.js';
import type { StoreEvents } from './store-events.js';

export interface LoadRequest extends ResolvedKey {
  /** Whether the caller needs the remaining TTL: it makes the batch a script call instead of an MGET. */
  wantTtl: boolean;
}

/** A loaded slot: the instance, null when the key is missing, or a CORRUPT_VALUE error for that key alone. */
export type LoadResult = ModelInstance | null;
export type BatchLoader = DataLoader<LoadRequest, LoadResult, string>;

/** A literal, not a spread of `resolved`: V8 makes `{ ...resolved, wantTtl }` a slow path, and this runs for every key. */
export const loadRequest = ({ key, modelName, pk, model }: ResolvedKey, wantTtl: boolean): LoadRequest => ({
  key,
  modelName,
  pk,
  model,
  wantTtl,
});

export const cacheKeyOf = (request: Pick<LoadRequest, 'key' | 'wantTtl'>) => (request.wantTtl ? `ttl|${request.key}` : request.key);

/**
 * One loader per request. DataLoader collects every load made before `process.nextTick` fires (all root
 * fields of an operation start in the same tick), so a request's reads become a single Redis command:
 * MGET when nothing needs a TTL, else one script call that also refreshes TTLs and reports them.
 * On a cluster the MGET, or the script, becomes one pipeline per node with a command per slot, all sent
 * together: still one round trip of wall-clock time (cluster/read-per-node.ts).
 * Batching lives here and nowhere else: ioredis auto-pipelining is left off so that counts stay exact.
 */
export function createBatchLoader(redis: RedisClient, scripts: GatewayScripts, events?: StoreEvents): BatchLoader {
  return new DataLoader<LoadRequest, LoadResult, string>((requests) => readBatch(redis, scripts, requests, events), {
    cacheKeyFn: cacheKeyOf,
  });
}

async function readBatch(
  redis: RedisClient,
  scripts: GatewayScripts,
  requests: readonly LoadRequest[],
  events: StoreEvents | undefined,
): Promise<Array<LoadResult | Error>> {
  events?.batch?.(requests.length);
  const wantTtl = requests.some((request) => request.wantTtl);
  if (!wantTtl && !requests.some((request) => refreshSeconds(request) > 0)) {
    // Without TTLs every cache key is a plain key, so the batch holds each key once: read by position.
    // MGET goes to the client, not through the scripts, so it reports its round trip itself.
    events?.roundTrip?.('mget');
    const keys = requests.map((request) => request.key);
    const documents = await callRedis(redis, 'read', () => (isCluster(redis) ? getOnNodes(redis, keys) : redis.mget(keys)));
    return requests.map((request, i) => toResult(request, documents[i] ?? null, undefined));
  }
  // A key asked for with and without its TTL is two cache entries but one key to read.
  const keys = [...new Set(requests.map((request) => request.key))];
  const refresh = new Map(requests.map((request) => [request.key, refreshSeconds(request)]));
  const byKey = new Map(requests.map((request) => [request.key, request]));
  const reads = keys.map((key) => {
    const request = byKey.get(key) as LoadRequest;
    return {
      key,
      refreshSeconds: refresh.get(key) ?? 0,
      indexPrefix: keyspaceFor(redis).indexPrefix(request.model.name, key),
      pk: request.pk,
    };
  });
  const replies = await scripts.readDocuments(reads, wantTtl);
  const replyOf = new Map(keys.map((key, i): [string, [string | null, number]] => [key, replies[i] ?? [null, -2]]));
  return requests.map((request) => {
    const [document, ttl] = replyOf.get(request.key) ?? [null, -2];
    return toResult(request, document, ttl === -2 ? undefined : ttl < 0 ? null : ttl);
  });
}

const refreshSeconds = ({ model }: LoadRequest) => (model.ttl !== null && model.refreshTtl ? model.ttl : 0);

function toResult(request: LoadRequest, document: string | null, ttl: number | null | undefined): LoadResult | Error {
  if (document === null) return null;
  try {
    const value = decodeDocument(request.model, request.key, document) as ModelInstance['value'];
    return { model: request.model, key: request.key, pk: request.pk, ttl, value };
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
}
