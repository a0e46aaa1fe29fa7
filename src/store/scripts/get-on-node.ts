import type { ScriptCall } from './script-call.js';

/** lua/get-on-node.lua */
export const GET_ON_NODE = 'get-on-node';

export const packGetOnNodeArgs = (keys: readonly string[]): ScriptCall => ({ keys: [], args: keys });

/** Per key, its text or null. */
export const parseGetOnNodeReply = (reply: unknown) => reply as Array<string | null>;
