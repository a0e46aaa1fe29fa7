import { lockLost } from '../errors.js';
import { applyUpdate, type Update } from '../model/apply-update.js';
import { evaluateCondition, type Condition } from '../model/conditions.js';
import { decodeAndValidateDocument } from '../model/document-codec.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { ResolvedKey } from '../model/registry.js';
import type { Keyspace } from './keyspace.js';
import type { Lease } from './locks.js';
import type { RedisClient } from './redis-client.js';
import { callRedis } from './redis-faults.js';
import type { GatewayScripts } from './scripts.js';
import type { StoreEvents } from './store-events.js';
import { writeDocuments, type DocumentWrite } from './write-documents.js';

export interface ResolvedStep extends ResolvedKey {
  when?: Condition | null;
  update?: Update | null;
}

export interface LockResult {
  key: string;
  /** Whether every condition held and the updates were saved. */
  applied: boolean;
  /** The model as saved, as it stands (condition false), as it would be (dry run), or null when missing. */
  model: ModelInstance | null;
  fencingToken: string | null;
}

export interface StepContext {
  redis: RedisClient;
  scripts: GatewayScripts;
  keyspace: Keyspace;
  /** See StoreLimits.maxDocumentBytes. */
  maxDocumentBytes: number;
  events?: StoreEvents;
  /** Puts what was written in the request's cache, so later reads of the request see it. */
  remember(instance: ModelInstance): void;
}

/** Documents change under us only through holders of other actions; this many rereads means something is wrong. */
const MAX_ATTEMPTS = 100;

/**
 * Under held locks: reads every step's document fresh (never from the request's cache), checks every
 * condition, applies every update in Node, and writes them in one script call that checks each lease
 * and that each document is still the text just read. When another holder changed a document in
 * between, it starts over from the new text. A missing document or a false condition anywhere: nothing
 * is written and no step is applied.
 */
export async function applySteps(
  context: StepContext,
  steps: readonly ResolvedStep[],
  leases: readonly Lease[],
  save: boolean,
): Promise<LockResult[]> {
  const fencing = (index: number) => leases[index]?.fencingToken ?? null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    context.events?.roundTrip?.('mget');
    const texts = await callRedis(context.redis, 'read', () => context.redis.mgetBuffer(steps.map((step) => step.key)));
    const current = steps.map((step, i) => {
      const text = texts[i];
      return text ? instanceOf(step, decodeAndValidateDocument(step.model, step.key, text.toString('utf8'))) : null;
    });
    const refused = () => steps.map((step, i) => ({ key: step.key, applied: false, model: current[i] ?? null, fencingToken: fencing(i) }));
    if (current.some((instance, i) => instance === null || (steps[i]?.when && !evaluateCondition(steps[i].when, instance.value))))
      return refused();

    const next = steps.map((step, i) => {
      const before = current[i] as ModelInstance;
      return step.update ? instanceOf(step, applyUpdate(step.model, before.value, step.update)) : before;
    });
    if (!save) return steps.map((step, i) => ({ key: step.key, applied: false, model: next[i] ?? null, fencingToken: fencing(i) }));

    const writes: Array<DocumentWrite & { index: number }> = [];
    steps.forEach((step, i) => {
      if (step.update)
        writes.push({
          index: i,
          key: step.key,
          pk: step.pk,
          model: step.model,
          value: next[i]?.value ?? {},
          expect: { unchangedFrom: texts[i] as Buffer },
        });
    });
    const outcome =
      writes.length === 0
        ? { status: 'written' as const, ttls: [] }
        : await writeDocuments(context.scripts, writes, {
            keyspace: context.keyspace,
            operation: 'The save under locks',
            maxDocumentBytes: context.maxDocumentBytes,
            locks: leases.map((lease) => ({ documentKey: lease.key, lockKey: lease.lockKey, value: lease.value })),
          });
    if (outcome.status === 'changed') continue;
    if (outcome.status === 'lockLost') {
      const lease = leases[outcome.index];
      throw lockLost('its lease ran out before the save', { key: lease?.key, action: lease?.action });
    }
    if (outcome.status !== 'written') {
      // 'gone': deleted since it was read. ('exists' cannot happen: a lock save never expects absence.)
      const gone = writes[outcome.index]?.index;
      return refused().map((result, i) => (i === gone ? { ...result, model: null } : result));
    }
    writes.forEach((write, w) => {
      const saved = { ...(next[write.index] as ModelInstance), ttl: outcome.ttls[w] ?? null };
      next[write.index] = saved;
      context.remember(saved);
    });
    return steps.map((step, i) => ({ key: step.key, applied: true, model: next[i] ?? null, fencingToken: fencing(i) }));
  }
  throw new Error(
    `The documents of ${steps.map((step) => step.key).join(', ')} kept changing during ${MAX_ATTEMPTS} attempts to save them.`,
  );
}

const instanceOf = (step: ResolvedKey, value: unknown): ModelInstance => ({
  model: step.model,
  key: step.key,
  pk: step.pk,
  ttl: undefined,
  value: value as ModelInstance['value'],
});
