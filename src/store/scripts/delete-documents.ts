import type { ScriptCall } from './script-call.js';

/** lua/delete-documents.lua */
export const DELETE_DOCUMENTS = 'delete-documents';

/** `args`: two per key, its model's index prefix and its pk. */
export const packDeleteDocumentsArgs = (keys: readonly string[], args: readonly string[]): ScriptCall => ({ keys, args });

/** Per key, in order: 1 if it existed, else 0. */
export const parseDeleteDocumentsReply = (reply: unknown) => reply as number[];
