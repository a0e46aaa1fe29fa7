import { invalidKey } from '../errors.js';

/** Longest key accepted, in bytes of UTF-8: long keys cost Redis memory on every index and lock that names them. */
export const MAX_KEY_BYTES = 1024;

export interface ParsedKey {
  key: string;
  modelName: string;
  pk: string;
}

export const formatKey = (modelName: string, pk: string) => `${modelName}:${pk}`;

/**
 * Splits `<ModelName>:<pk>` at the first colon, so a pk may hold colons, and `{...}` hash tags for Redis Cluster.
 * Throws INVALID_KEY; whether the model exists is the registry's question.
 */
export function parseKey(key: string): ParsedKey {
  const colon = key.indexOf(':');
  if (colon < 0) throw invalidKey(key, 'it has no ":" between model name and pk');
  if (colon === 0) throw invalidKey(key, 'the model name before ":" is empty');
  if (colon === key.length - 1) throw invalidKey(key, 'the pk after ":" is empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw invalidKey(key, `it is longer than ${MAX_KEY_BYTES} bytes`);
  return { key, modelName: key.slice(0, colon), pk: key.slice(colon + 1) };
}

/** The same rules for a pk about to be stored. */
export function assertPk(modelName: string, pk: string): void {
  if (pk === '') throw invalidKey(formatKey(modelName, pk), 'the pk is empty');
  parseKey(formatKey(modelName, pk));
}
