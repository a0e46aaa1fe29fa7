import type { ScriptCall } from './script-call.js';
import type { WriteRecordArgs } from './write-documents.js';

/** lua/delete-where.lua */
export const DELETE_WHERE = 'delete-where';

/** One step of a delete by where on one index shard: what lua/delete-where.lua takes. */
export interface DeleteStepArgs {
  /** The shard's index prefix. */
  indexPrefix: string;
  /** Every index key under it (keyspace.ts, indexKeysAt): declared, never addressed by the script. */
  indexKeys: readonly string[];
  /** The model's document key prefix, `<Model>:`. */
  keyPrefix: string;
  temporaryPrefix: string;
  /** The plan, as JSON (indexes/plan.ts). */
  plan: string;
  maxWork: number;
  maxInstances: number;
  /** Where the step records its reply, in the shard's slot. */
  record?: WriteRecordArgs | undefined;
}

export const packDeleteWhereArgs = (step: DeleteStepArgs): ScriptCall => ({
  keys: [...step.indexKeys, step.temporaryPrefix, ...(step.record ? [step.record.key] : [])],
  args: [
    step.indexPrefix,
    step.keyPrefix,
    step.temporaryPrefix,
    step.plan,
    String(step.maxWork),
    String(step.maxInstances),
    String(step.record?.lifetimeMs ?? 0),
  ],
});

/** The status (script-status.ts) first, then work, deleted, selected and taken when done. */
export const parseDeleteWhereReply = (reply: unknown) => reply as number[];
