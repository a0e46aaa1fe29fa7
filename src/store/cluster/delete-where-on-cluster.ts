import type { Cluster } from 'ioredis';
import type { ModelDefinition } from '../../model/define-model.js';
import { clusterSlotNames, indexKeysAt, inSlot, type ClusterSlotNames } from '../keyspace.js';
import { ELSEWHERE, PURGING, REFUSED } from '../indexes/script-status.js';
import { callRedis } from '../redis-faults.js';
import type { GatewayScripts } from '../scripts.js';
import type { SlotStep } from '../scripts/delete-where-on-node.js';
import { WRITE_RECORD_MS } from '../write-id.js';
import { SLOT_COUNT } from './key-slot.js';
import { primariesOf } from './primaries-of.js';
import type { PrimarySlots } from './primary-slots.js';
import { slotTag } from './slot-tags.js';

/** The limits of a delete by where, as StoreLimits names them. */
export interface ClusterDeleteLimits {
  maxFinderWork: number;
  deleteStep: number;
}

/** What a delete has done so far: read by the caller when a later round fails, so that its error says so. */
export interface DeleteProgress {
  deleted: number;
  rounds: number;
}

/** The error for a round whose estimated `work` is over maxFinderWork. */
export type Refuse = (work: number) => Error;

interface ShardCost {
  slot: number;
  most: number;
  work: number;
}

/**
 * A delete by where across a cluster, in rounds, each all or nothing within each slot it touches.
 * A round first estimates every shard of the model that may hold a match (one read-only call per
 * primary), and refuses the whole round when the work summed over every node is over maxFinderWork,
 * before anything is deleted. Then it deletes at most deleteStep instances summed over the shards, one
 * step per shard, one call per primary. A shard is done once its selection is exhausted, or as many
 * instances as it selected at its first step are gone: so, per shard, the rule of one Redis's steps.
 * A slot that moved or is migrating, or a primary whose call failed, is done slot by slot through the
 * client, which follows redirections; a step sent again that way carries its first try's write id,
 * so a step that ran answers its record and deletes nothing more.
 */
export async function deleteWhereOnCluster(
  cluster: Cluster,
  scripts: GatewayScripts,
  model: ModelDefinition,
  plan: string,
  limits: ClusterDeleteLimits,
  refuse: Refuse,
  progress: DeleteProgress,
): Promise<void> {
  const shards = { names: clusterSlotNames(model.name), fields: model.indexed.map((field) => field.name) };
  const started = new Map<number, { first: number; taken: number }>();
  let open: ReadonlySet<number> | null = null;
  for (;;) {
    const { deleteWork, costs } = await estimateShards(cluster, scripts, shards, plan, open);
    if (costs.length === 0) return;
    const work = costs.reduce((sum, cost) => sum + cost.work, 0);
    if (work + deleteWork > limits.maxFinderWork) throw refuse(work + deleteWork);
    let left = Math.min(limits.deleteStep, Math.floor((limits.maxFinderWork - work) / deleteWork));
    const steps: Array<SlotStep & { slot: number }> = [];
    for (const cost of costs) {
      const take = Math.min(cost.most, left);
      if (take === 0) break;
      left -= take;
      steps.push({ slot: cost.slot, tag: slotTag(cost.slot), maxWork: cost.work + take * deleteWork, maxInstances: take });
    }
    // A fresh write id per round: a step re-sent within the round finds its record; the next round's steps are new.
    const names = clusterSlotNames(model.name);
    const { replies, failure } = await deleteSteps(cluster, scripts, { ...shards, names }, model.name, plan, steps);
    progress.rounds += 1;
    const next = new Set(costs.map((cost) => cost.slot));
    let refusedWork = 0;
    let advanced = false;
    steps.forEach(({ slot }, i) => {
      const reply = replies[i];
      if (!reply) return;
      const [status, stepWork = 0, deleted = 0, selected = 0, took = 0] = reply;
      if (status === REFUSED) return void (refusedWork += stepWork);
      advanced = true;
      if (status === PURGING) return;
      progress.deleted += deleted;
      const state = started.get(slot) ?? { first: selected, taken: 0 };
      state.taken += took;
      started.set(slot, state);
      if (selected <= took || state.taken >= state.first) next.delete(slot);
    });
    if (failure) throw failure.error;
    // Writes between the estimate and the steps made every step dearer than its share: refused as one Redis refuses a step.
    if (!advanced) throw refuse(work + refusedWork);
    open = next;
  }
}

interface Shards {
  names: ClusterSlotNames;
  fields: readonly string[];
}

/** The declared keys of one slot's shard: every index key and the temporary prefix, which never exists. */
function declaredKeys({ names, fields }: Shards, tag: string): string[] {
  return [...indexKeysAt(inSlot(names.indexPrefix, tag), fields), inSlot(names.temporaryPrefix, tag)];
}

/** The shards among `open` (every slot for null) that may hold a match, in slot order, and the work of deleting one instance. */
async function estimateShards(
  cluster: Cluster,
  scripts: GatewayScripts,
  shards: Shards,
  plan: string,
  open: ReadonlySet<number> | null,
): Promise<{ deleteWork: number; costs: ShardCost[] }> {
  const primaries = await primariesOf(cluster);
  const served = new Set(primaries.flatMap(({ slots }) => slots));
  const alone: number[] = [];
  if (open) for (const slot of open) if (!served.has(slot)) alone.push(slot);
  if (!open) for (let slot = 0; slot < SLOT_COUNT; slot++) if (!served.has(slot)) alone.push(slot);
  const costs: ShardCost[] = [];
  let deleteWork = 0;
  await Promise.all(
    primaries.map(async ({ client, slots }) => {
      const mine = open ? slots.filter((slot) => open.has(slot)) : slots;
      if (mine.length === 0) return;
      // A primary that fails its estimate fails the delete, as it fails a finder page: estimating its
      // thousands of slots one by one instead would cost more than the estimate may.
      const reply = await callRedis(cluster, 'read', () => scripts.estimateWhere(client, shards.names, plan, mine.map(slotTag)));
      deleteWork = reply.deleteWork;
      for (const { position, most, work } of reply.shards) {
        const slot = mine[position] as number;
        if (most < 0) alone.push(slot);
        else if (most > 0) costs.push({ slot, most, work });
      }
    }),
  );
  await Promise.all(
    alone.map(async (slot) => {
      const tag = slotTag(slot);
      const reply = await scripts.estimateWhere(null, shards.names, plan, [tag], declaredKeys(shards, tag));
      deleteWork = reply.deleteWork;
      for (const { most, work } of reply.shards) if (most > 0) costs.push({ slot, most, work });
    }),
  );
  return { deleteWork, costs: costs.sort((a, b) => a.slot - b.slot) };
}

/** Each step's reply, in the order of `steps`: one call per primary, and slot by slot where that call could not run a step. */
async function deleteSteps(
  cluster: Cluster,
  scripts: GatewayScripts,
  shards: Shards,
  modelName: string,
  plan: string,
  steps: ReadonlyArray<SlotStep & { slot: number }>,
): Promise<{ replies: Array<number[] | undefined>; failure: { error: unknown } | undefined }> {
  const keyPrefix = `${modelName}:`;
  const replies = new Array<number[] | undefined>(steps.length);
  const alone = async (i: number) => {
    const { tag, maxWork, maxInstances } = steps[i] as SlotStep;
    const indexPrefix = inSlot(shards.names.indexPrefix, tag);
    replies[i] = await scripts.deleteWhere({
      indexPrefix,
      indexKeys: indexKeysAt(indexPrefix, shards.fields),
      keyPrefix,
      temporaryPrefix: inSlot(shards.names.temporaryPrefix, tag),
      plan,
      maxWork,
      maxInstances,
      record: { key: inSlot(shards.names.writeRecordKey, tag), lifetimeMs: WRITE_RECORD_MS },
    });
  };
  const primaries = await primariesOf(cluster);
  const nodeOf = new Map(primaries.flatMap((primary) => primary.slots.map((slot) => [slot, primary] as const)));
  const byNode = new Map<PrimarySlots | undefined, number[]>();
  steps.forEach(({ slot }, i) => {
    const node = nodeOf.get(slot);
    byNode.set(node, [...(byNode.get(node) ?? []), i]);
  });
  // Settled, not all: a step that failed must not hide what the others deleted, which the caller reports.
  const settled = await Promise.allSettled(
    [...byNode].map(async ([node, positions]) => {
      const nodeReplies =
        node &&
        (await scripts
          .deleteWhereOnNode(
            node.client,
            shards.names,
            keyPrefix,
            plan,
            WRITE_RECORD_MS,
            positions.map((i) => steps[i] as SlotStep),
          )
          // The call may have run (its reply lost): each slot's step is sent again alone, and one that ran answers its record.
          .catch(() => null));
      const outcomes = await Promise.allSettled(
        positions.map((i, j) => {
          const reply = nodeReplies?.[j];
          if (reply && reply[0] !== ELSEWHERE) return void (replies[i] = reply);
          return alone(i);
        }),
      );
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    }),
  );
  const failed = settled.find((node) => node.status === 'rejected');
  return { replies, failure: failed ? { error: failed.reason as unknown } : undefined };
}
