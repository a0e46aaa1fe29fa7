import type { ModelsChoice } from './choose-models.js';
import { DEFAULT_DATA_DIR, type GivenRedis } from './redis-source.js';

/** A word as a POSIX shell reads it: bare when safe, else single-quoted. */
const shellWord = (word: string) => (/^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The URL without its password, which a warning must not print: the operator fills it in. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = 'PASSWORD';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * The reindex command to suggest for a model, complete for the serve that suggests it: the same
 * models, and the same Redis (the flag repeated; $REDIS_URL and $REDIS_CLUSTER_NODES are read by
 * reindex too; the embedded one is found through --data-dir).
 */
export function suggestReindex(models: ModelsChoice, redis: GivenRedis | null, dataDir: string): (model: string) => string {
  const words = ['--models', shellWord(models.flag)];
  if (redis?.from === '--redis') words.push('--redis', shellWord(withoutPassword(redis.url)));
  if (redis?.from === '--redis-cluster') words.push('--redis-cluster', shellWord(redis.cluster.join(',')));
  if (!redis && dataDir !== DEFAULT_DATA_DIR) words.push('--data-dir', shellWord(dataDir));
  return (model) => ['redis-model-gateway', 'reindex', '--model', shellWord(model), ...words].join(' ');
}
