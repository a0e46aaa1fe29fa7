import { badUserInput } from '../errors.js';
import type { Condition } from '../model/conditions.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { ResolvedKey } from '../model/registry.js';
import { randomBytes } from 'node:crypto';
import { indexPrefix } from './indexes/index-keys.js';
import { compilePlan, selectsAll, type PlanNode } from './indexes/plan.js';
import type { GatewayScripts } from './scripts.js';

export interface DeleteResult {
  /** Documents deleted; missing keys are not counted. */
  count: number;
  /** The same count per model name. */
  byModel: Record<string, number>;
}

/** rapyer's adelete_many: keys of any models, deleted with their index entries in one atomic step. */
export async function deleteKeys(scripts: GatewayScripts, keys: readonly ResolvedKey[]): Promise<DeleteResult> {
  const unique = [...new Map(keys.map((key) => [key.key, key])).values()];
  const byModel: Record<string, number> = {};
  if (unique.length === 0) return { count: 0, byModel };
  const deleted = await scripts.deleteDocuments(
    unique.map((key) => key.key),
    unique.flatMap((key) => [indexPrefix(key.model.name), key.pk]),
  );
  let count = 0;
  unique.forEach((key, i) => {
    if (deleted[i] !== 1) return;
    count += 1;
    byModel[key.model.name] = (byModel[key.model.name] ?? 0) + 1;
  });
  return { count, byModel };
}

/** Deletes every instance a `where` selects (all of them for `null`), with their index entries, in one script call. */
export async function deleteWhere(scripts: GatewayScripts, model: ModelDefinition, where: Condition | null): Promise<DeleteResult> {
  const plan: PlanNode = where === null ? ['all'] : compilePlan(model, where);
  if (where !== null && selectsAll(plan))
    throw badUserInput(
      `delete${model.name}s needs a where that names a field; to delete every ${model.name}, use deleteAll${model.name}s(confirm: true).`,
    );
  const count = await scripts.deleteWhere([
    indexPrefix(model.name),
    `${model.name}:`,
    `rmg:tmp:${randomBytes(8).toString('hex')}:`,
    JSON.stringify(plan),
  ]);
  return { count, byModel: count > 0 ? { [model.name]: count } : {} };
}
