import { badUserInput, GatewayError, isGatewayError, notSupported, queryTooExpensive } from '../errors.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { ResolvedKey } from '../model/registry.js';
import { FINDERS_ON_CLUSTER } from './cluster/finders-on-cluster.js';
import { assertOneSlot } from './cluster/one-slot.js';
import type { Keyspace } from './keyspace.js';
import type { FinderLimits } from './indexes/find-models.js';
import { compilePlan, selectsAll, type PlanNode } from './indexes/plan.js';
import { PURGING, REFUSED } from './indexes/script-status.js';
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
 * as matched at the first step are gone, so one that starts matching meanwhile may stay too.
 */
export async function deleteWhere(
  scripts: GatewayScripts,
  keyspace: Keyspace,
  model: ModelDefinition,
  where: Condition | null,
  limits: DeleteLimits,
): Promise<DeleteResult> {
  const operation = where === null ? `deleteAll${model.name}s` : `delete${model.name}s`;
  if (keyspace.cluster) throw notSupported(operation, ...FINDERS_ON_CLUSTER);
  const plan: PlanNode = where === null ? ['all'] : compilePlan(model, where, limits.maxWhereDepth);
  if (where !== null && selectsAll(plan))
    throw badUserInput(
      `delete${model.name}s needs a where that names a field; to delete every ${model.name}, use deleteAll${model.name}s(confirm: true).`,
    );
  const indexPrefix = keyspace.indexPrefix(model.name, `${model.name}:`);
  const args = [
    indexPrefix,
    `${model.name}:`,
    keyspace.temporaryPrefix(indexPrefix),
    JSON.stringify(plan),
    String(limits.maxFinderWork),
    String(limits.deleteStep),
  ];
  let count = 0;
  let taken = 0;
  let selectedAtFirst = Infinity;
  for (let step = 0; taken < selectedAtFirst; step++) {
    let reply: number[];
    try {
      do reply = await scripts.deleteWhere(args);
      while (reply[0] === PURGING);
    } catch (error) {
      throw step > 0 ? afterSteps(error, count, step) : error;
    }
    const [status, work = 0, deleted = 0, selected = 0, took = 0] = reply;
    if (status === REFUSED) {
      const what = where === null ? `deleteAll${model.name}s` : `This delete${model.name}s`;
      // A later step is refused only when writes in between made the selection dearer: say what was done.
      throw queryTooExpensive(
        `${what}${step > 0 ? `, after deleting ${count} in ${step} steps,` : ''}`,
        work,
        limits.maxFinderWork,
        'maxFinderWork',
        step > 0 ? { deleted: count } : {},
      );
    }
    count += deleted;
    taken += took;
    if (step === 0) selectedAtFirst = selected;
    if (selected <= took) break;
  }
  return { count, byModel: count > 0 ? { [model.name]: count } : {} };
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
