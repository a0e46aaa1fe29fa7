import type { Registry } from '../../model/registry.js';
import { indexDefinition } from './index-entries.js';
import type { Redis } from 'ioredis';
import { singleKeyspace } from '../keyspace.js';
import { isCluster, type RedisClient } from '../redis-client.js';

/** How far startup looks for documents written before a model was indexed (SCAN pages of 1000). */
const SCAN_PAGES = 20;

export interface CheckSetupOptions {
  /**
   * The command that rebuilds a model's indexes, as the operator should run it: the CLI passes one with
   * its own --models and Redis. @default a template naming what the operator must fill in
   */
  reindexCommand?: (modelName: string) => string;
}

/** The command with what the operator must fill in: the Redis flag of the deployment's shape, since reindex runs on both. */
const reindexTemplate = (cluster: boolean) => (modelName: string) =>
  `redis-model-gateway reindex --model ${modelName} --models <your models file> ${cluster ? "--redis-cluster <this cluster's host:port,...>" : "--redis <this Redis's URL>"}`;

/**
 * What an operator should know before serving: an eviction policy that may drop documents behind the
 * indexes' back, and models whose stored index was built with another definition (or none).
 * Records the definition of models that have no documents yet. Returns the warnings.
 * On a cluster every primary is asked for its eviction policy (each node has its own configuration)
 * and scanned for documents (SCAN sees only the node it is sent to). The definition is recorded there
 * too, in one key per model, so that the per-slot indexes that writes keep are known to match it; the
 * reindex it advises rebuilds every slot's shard (reindex-on-cluster.ts).
 */
export async function checkSetup(
  redis: RedisClient,
  registry: Registry,
  { reindexCommand = reindexTemplate(isCluster(redis)) }: CheckSetupOptions = {},
): Promise<string[]> {
  const warnings: string[] = [];
  const nodes = await nodesOf(redis);
  for (const [name, node] of nodes) {
    const policy = await node.config('GET', 'maxmemory-policy').then(
      (reply) => String((reply as string[])[1] ?? ''),
      () => '',
    );
    if (policy.startsWith('allkeys-')) {
      warnings.push(
        `${name ? `The primary ${name}` : 'Redis'} runs maxmemory-policy ${policy}: it may evict documents, locks and index entries. Use noeviction (or a volatile-* policy).`,
      );
    }
  }
  for (const model of registry.models) {
    const metaKey = singleKeyspace.metaKey(model.name);
    const stored = await redis.hget(metaKey, 'fields');
    const current = indexDefinition(model);
    if (stored === current) continue;
    if (stored === null && !(await hasDocuments(redis, nodes, model.name))) {
      await redis.hset(metaKey, 'fields', current);
      continue;
    }
    warnings.push(
      `Model ${model.name}: the stored index was built for ${stored ?? 'no index (data written before indexing)'}, the model now indexes ${current}. ` +
        `Finders may miss documents until you run: ${reindexCommand(model.name)}`,
    );
  }
  return warnings;
}

/** The servers to ask about their own configuration and keys, by name (`host:port` of a cluster's primary, '' for one Redis). */
async function nodesOf(redis: RedisClient): Promise<Array<[name: string, node: Redis]>> {
  if (!isCluster(redis)) return [['', redis]];
  // Routed to any node: once it answers, the client has the slot map and knows every primary.
  await redis.ping();
  return redis.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]);
}

/**
 * Whether a model has documents: on one Redis its `@pk` index says so quickly; a cluster's per-slot
 * indexes cannot be counted at once, and the scan of each primary finds them.
 */
async function hasDocuments(redis: RedisClient, nodes: ReadonlyArray<[string, Redis]>, modelName: string): Promise<boolean> {
  if (!isCluster(redis) && (await redis.zcard(`${singleKeyspace.indexPrefix(modelName, `${modelName}:`)}@pk`)) > 0) return true;
  for (const [, node] of nodes) if (await scanFinds(node, `${modelName}:*`)) return true;
  return false;
}

/** Whether SCAN finds a key matching `pattern` on `node`; true also when it gives up after SCAN_PAGES pages, to be safe. */
async function scanFinds(node: Redis, pattern: string): Promise<boolean> {
  let cursor = '0';
  for (let page = 0; page < SCAN_PAGES; page++) {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) return true;
    if (next === '0') return false;
    cursor = next;
  }
  return true;
}
