import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import { isGatewayError } from '../errors.js';
import { decodeDocument } from '../model/document-codec.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { ResolvedKey } from '../model/registry.js';
import type { GatewayScripts } from './scripts.js';

export interface LoadRequest extends ResolvedKey {
  /** Whether the caller needs the remaining TTL: it makes the batch a script call instead of an MGET. */
  wantTtl: boolean;
}

/** A loaded slot: the instance, null when the key is missing, or a CORRUPT_VALUE error for that key alone. */
export type LoadResult = ModelInstance | null;
export type BatchLoader = DataLoader<LoadRequest, LoadResult, string>;

export const cacheKeyOf = (request: Pick<LoadRequest, 'key' | 'wantTtl'>) => (request.wantTtl ? `ttl|${request.key}` : request.key);

/**
 * One loader per request. DataLoader collects every load made before `process.nextTick` fires (all root
 * fields of an operation start in the same tick), so a request's reads become a single Redis command:
 * MGET when nothing needs a TTL, else one script call that also refreshes TTLs and reports them.
 * Batching lives here and nowhere else: ioredis auto-pipelining is left off so that counts stay exact.
 */
export function createBatchLoader(redis: Redis, scripts: GatewayScripts): BatchLoader {
  return new DataLoader<LoadRequest, LoadResult, string>((requests) => readBatch(redis, scripts, requests), {
    cacheKeyFn: cacheKeyOf,
  });
}

async function readBatch(redis: Redis, scripts: GatewayScripts, requests: readonly LoadRequest[]): Promise<Array<LoadResult | Error>> {
  const keys = requests.map((request) => request.key);
  const needsScript = requests.some((request) => request.wantTtl || refreshSeconds(request) > 0);
  if (!needsScript) {
    const documents = await redis.mget(keys as string[]);
    return requests.map((request, i) => toResult(request, documents[i] ?? null, undefined));
  }
  const wantTtl = requests.some((request) => request.wantTtl);
  const replies = await scripts.readDocuments(keys, [wantTtl ? '1' : '0', ...requests.map((request) => String(refreshSeconds(request)))]);
  return requests.map((request, i) => {
    const [document, ttl] = replies[i] ?? [null, -2];
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
