import { badUserInput, GatewayError, isGatewayError, queryTooExpensive } from '../errors.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { ResolvedKey } from '../model/registry.js';
import { deleteWhereOnCluster, type DeleteProgress, type Refuse } from './cluster/delete-where-on-cluster.js';
import { assertOneSlot } from './cluster/one-slot.js';
import type { Keyspace } from './keyspace.js';
import type { FinderLimits } from './indexes/find-models.js';
import { compilePlan, selectsAll, type PlanNode } from './indexes/plan.js';
import { PURGING, REFUSED } from './indexes/script-status.js';
import { isCluster, type RedisClient } from './redis-client.js';
import type { GatewayScripts } from './scripts.js';
import { indexKeysOf, newWriteRecord } from './write-documents.js';
import { groupBySlot } from './cluster/slot-groups.js';
import { commitPerSlot, type Atomicity } from './commit-per-slot.js';
import { sendUntilOutcomeKnown } from './resend-write.js';
import { newWriteId } from './write-id.js';

export interface DeleteLimits extends FinderLimits {
  /** Most instances one script call of a delete by where deletes (fewer when the work left allows fewer). */
  deleteStep: number;
}

export interface DeleteResult {
  /** Documents deleted; missing keys are not counted. */
  count: number;
  /** The same count per model name. */
  byModel: Record<string, number>;
}

export interface DeleteOptions {
  /**
   * ALL: one atomic delete, CROSS_SLOT on a cluster when the keys span slots. PER_SLOT: one atomic delete
   * per slot, in ascending slot order; a group that fails stops the rest (PARTIALLY_WRITTEN). @default 'ALL'
   */
  atomicity?: Atomicity | undefined;
  /** Names the delete's record for 60 s: the same keys deleted again with it answer what the first run deleted. @default random */
  writeId?: string | undefined;
}

/**
 * rapyer's adelete_many: keys of any models, deleted with their index entries in one atomic step; on a
 * cluster, keys in several slots are CROSS_SLOT before anything is sent, unless PER_SLOT.
 */
export async function deleteKeys(
  scripts: GatewayScripts,
  keyspace: Keyspace,
  keys: readonly ResolvedKey[],
  { atomicity = 'ALL', writeId = newWriteId() }: DeleteOptions = {},
): Promise<DeleteResult> {
  const unique = [...new Map(keys.map((key) => [key.key, key])).values()];
  const byModel: Record<string, number> = {};
  if (unique.length === 0) return { count: 0, byModel };
  const remove = async (group: ResolvedKey[], id: string) => {
    assertOneSlot(
      keyspace,
      group.map((key) => key.key),
      'deleteMany',
    );
    const record = newWriteRecord(keyspace, group[0]?.key ?? '', id);
    const documents = group.map(({ key, model, pk }) => {
      const indexPrefix = keyspace.indexPrefix(model.name, key);
      return { key, indexPrefix, pk, indexKeys: indexKeysOf(model, indexPrefix) };
    });
    const deleted = await sendUntilOutcomeKnown(id, () => scripts.deleteDocuments(documents, record));
    return group.filter((_, i) => deleted[i] === 1);
  };
  const groups = atomicity === 'ALL' ? [{ slot: null, items: unique }] : groupBySlot(keyspace, unique, (key) => key.key);
  const deleted = await commitPerSlot({ operation: 'deleteMany', writeId, groups, keyOf: (key) => key.key, commit: remove });
  let count = 0;
  for (const key of deleted.flat()) {
    count += 1;
    byModel[key.model.name] = (byModel[key.model.name] ?? 0) + 1;
  }
  return { count, byModel };
}

/**
 * Deletes every instance a `where` selects (all of them for `null`), with their index entries, in steps of
 * at most `deleteStep` instances: one script call each, all or nothing for its instances. Each step selects
 * again, so an instance that stops matching between steps stays; the steps stop once as many instances
 * as matched at the first step are gone, so one that starts matching meanwhile may stay too. Each step
 * records its reply, so that one re-sent after its reply was lost deletes nothing more and its count
 * stays exact. On a cluster the steps go shard by shard, one call per primary, the budget summed over
 * every node (cluster/delete-where-on-cluster.ts).
 */
export async function deleteWhere(
  redis: RedisClient,
  scripts: GatewayScripts,
  keyspace: Keyspace,
  model: ModelDefinition,
  where: Condition | null,
  limits: DeleteLimits,
): Promise<DeleteResult> {
  const plan: PlanNode = where === null ? ['all'] : compilePlan(model, where, limits.maxWhereDepth);
  if (where !== null && selectsAll(plan))
    throw badUserInput(
      `delete${model.name}s needs a where that names a field; to delete every ${model.name}, use deleteAll${model.name}s(confirm: true).`,
    );
  const progress: DeleteProgress = { deleted: 0, rounds: 0 };
  const what = where === null ? `deleteAll${model.name}s` : `This delete${model.name}s`;
  // A later step is refused only when writes in between made the selection dearer: say what was done.
  const refuse = (work: number) =>
    queryTooExpensive(
      `${what}${progress.rounds > 0 ? `, after deleting ${progress.deleted} in ${progress.rounds} steps,` : ''}`,
      work,
      limits.maxFinderWork,
      'maxFinderWork',
      progress.rounds > 0 ? { deleted: progress.deleted } : {},
    );
  try {
    if (isCluster(redis)) await deleteWhereOnCluster(redis, scripts, model, JSON.stringify(plan), limits, refuse, progress);
    else await deleteInSteps(scripts, keyspace, model, JSON.stringify(plan), limits, refuse, progress);
  } catch (error) {
    throw progress.rounds > 0 ? afterSteps(error, progress.deleted, progress.rounds) : error;
  }
  const count = progress.deleted;
  return { count, byModel: count > 0 ? { [model.name]: count } : {} };
}

/** One Redis: one shard per model, one script call per step. */
async function deleteInSteps(
  scripts: GatewayScripts,
  keyspace: Keyspace,
  model: ModelDefinition,
  plan: string,
  limits: DeleteLimits,
  refuse: Refuse,
  progress: DeleteProgress,
): Promise<void> {
  const indexPrefix = keyspace.indexPrefix(model.name, `${model.name}:`);
  const step = {
    indexPrefix,
    indexKeys: indexKeysOf(model, indexPrefix),
    keyPrefix: `${model.name}:`,
    temporaryPrefix: keyspace.temporaryPrefix(indexPrefix),
    plan,
    maxWork: limits.maxFinderWork,
    maxInstances: limits.deleteStep,
  };
  let taken = 0;
  let selectedAtFirst = Infinity;
  while (taken < selectedAtFirst) {
    let reply: number[];
    // One write id for the step and its purges: a re-sent call answers the step's record.
    const record = newWriteRecord(keyspace, indexPrefix);
    do reply = await scripts.deleteWhere({ ...step, record });
    while (reply[0] === PURGING);
    const [status, work = 0, deleted = 0, selected = 0, took = 0] = reply;
    if (status === REFUSED) throw refuse(work);
    progress.deleted += deleted;
    taken += took;
    if (progress.rounds === 0) selectedAtFirst = selected;
    progress.rounds += 1;
    if (selected <= took) break;
  }
}

/**
 * A Redis fault in a later step of a delete: the steps before it stand, so the error must not say that
 * nothing was written. It keeps its code and says what was deleted.
 */
function afterSteps(error: unknown, deleted: number, steps: number): unknown {
  if (!isGatewayError(error) || (error.code !== 'REDIS_UNAVAILABLE' && error.code !== 'WRITE_OUTCOME_UNKNOWN')) return error;
  return new GatewayError(
    error.code,
    `${deleted} instances were deleted in ${steps} step${steps === 1 ? '' : 's'} before this one failed: ${error.message.replace(/; nothing was written\./, '.')}`,
    { ...error.details, deleted },
  );
}
