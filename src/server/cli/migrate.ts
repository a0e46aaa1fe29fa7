import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { copyDocuments, type CopyResult } from '../../store/cluster/copy-documents.js';
import { reindexModel } from '../../store/indexes/reindex.js';
import { isCluster } from '../../store/redis-client.js';
import { redisClientOptions } from '../connect-redis.js';
import { createGateway } from '../create-gateway.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../redis-timeout.js';
import { chooseModels, loadCheckedModels, pickModels } from './choose-models.js';
import { CliError, UsageError } from './cli-error.js';
import { GLOBAL_FLAGS, parsingFlags } from './parse-flags.js';
import { givenRedis, targetOf } from './redis-source.js';
import { redisUnreachable, untilRedisReady } from './redis-unreachable.js';
import { reindexReport } from './reindex.js';
import { milliseconds } from './serve-flags.js';
import { withTeardown } from './teardown.js';

const MIGRATE_OPTIONS = {
  ...GLOBAL_FLAGS,
  models: { type: 'string' },
  model: { type: 'string' },
  from: { type: 'string' },
  'redis-cluster': { type: 'string' },
  'redis-timeout-ms': { type: 'string', default: String(DEFAULT_REDIS_TIMEOUT_MS) },
} as const;

/** What was copied of a model, and what the cluster held already, by key. */
export function copyReport(modelName: string, result: CopyResult): string {
  const lines = [
    `${modelName}: ${result.copied} copied, ${result.existing} already on the cluster (left as they are), ${result.gone} gone before they were copied`,
    ...result.existingKeys.map((key) => `  already on the cluster: ${key}`),
  ];
  const unlisted = result.existing - result.existingKeys.length;
  if (unlisted > 0) lines.push(`  and ${unlisted} more already on the cluster`);
  return lines.join('\n');
}

/**
 * `migrate`: copies the documents of the models named from one Redis (--from) to a Redis Cluster, with
 * their TTLs, then rebuilds their indexes on the cluster. Only documents are copied: the gateway's own
 * keys on one Redis are laid out for one Redis. Run it again to copy what was written since: a key the
 * cluster holds is left as it is.
 */
export async function migrate(argv: string[]): Promise<void> {
  const values = parsingFlags('migrate', () => parseArgs({ args: argv, options: MIGRATE_OPTIONS }).values);
  const redisTimeoutMs = milliseconds('redis-timeout-ms', values['redis-timeout-ms']);
  const from = values.from;
  if (!from)
    throw new UsageError(
      'migrate needs --from: the Redis to copy the documents from.',
      'Name it by URL: redis-model-gateway migrate --models models.ts --from redis://host:6379 --redis-cluster host:7000',
    );
  const given = givenRedis({ 'redis-cluster': values['redis-cluster'] });
  if (!given || !('cluster' in given))
    throw new UsageError(
      'migrate needs --redis-cluster (or $REDIS_CLUSTER_NODES): the Redis Cluster to copy the documents to.',
      'Name some of its nodes: --redis-cluster host:port[,host:port...]',
    );
  const choice = chooseModels(values.models, 'migrate');
  const { registry } = await loadCheckedModels(choice);
  const chosen = pickModels(registry, values.model, choice);

  await withTeardown(async (teardown) => {
    const source = new Redis(from, { ...redisClientOptions(redisTimeoutMs), enableOfflineQueue: true });
    source.on('error', () => {});
    teardown.add(async () => source.disconnect());
    await source.ping().catch((error: unknown) => {
      throw new CliError(
        `Redis at ${source.options.host}:${source.options.port} (--from) did not answer: ${(error as Error).message}`,
        'Check --from: the URL of the Redis to copy from, reachable from here.',
        1,
        { cause: error },
      );
    });
    const gateway = createGateway({ models: registry, redis: targetOf(given), logging: false, redisTimeoutMs });
    teardown.add(() => gateway.close());
    await untilRedisReady(gateway.redis, redisTimeoutMs).catch((error: unknown) => {
      throw redisUnreachable(gateway.redis, given, error);
    });
    const cluster = gateway.redis;
    // The gateway is built on the cluster named above; the check only tells the compiler so.
    if (!isCluster(cluster)) throw new Error('migrate built its gateway on one Redis instead of the cluster.');
    for (const model of chosen) {
      const copied = await copyDocuments(source, cluster, model.name);
      console.log(copyReport(model.name, copied));
      console.log(reindexReport(model.name, await reindexModel(gateway.redis, gateway.store.scripts, model)));
    }
  });
}
