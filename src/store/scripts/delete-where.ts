import type { ScriptCall } from './script-call.js';

/** lua/delete-where.lua */
export const DELETE_WHERE = 'delete-where';

/** `args`: index prefix, key prefix, temp prefix, plan, the most work, the step size: as lua/delete-where.lua names them. */
export const packDeleteWhereArgs = (args: readonly string[]): ScriptCall => ({ keys: [], args });

/** The status (script-status.ts) first, then work, deleted, selected and taken when done. */
export const parseDeleteWhereReply = (reply: unknown) => reply as number[];
