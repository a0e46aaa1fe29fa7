import { Redis } from 'ioredis';
import { createStore, type ModelDefinition } from '../src/index.js';
import { BenchItem, benchPk, benchValue } from './bench-model.js';

/** Writes `count` items of BenchItem (or a model of the same fields) through the store itself, in batches within the default insert limit of 1000. */
export async function seedBenchItems(
  redisUrl: string,
  count: number,
  batchSize = 1000,
  model: ModelDefinition<typeof BenchItem.schema> = BenchItem,
): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const store = createStore({ redis, models: [model] });
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(start + batchSize, count);
      const drafts = Array.from({ length: end - start }, (_, j) => model.create(benchValue(start + j), { pk: benchPk(start + j) }));
      await store.insert(drafts);
    }
  } finally {
    await redis.quit();
  }
}
