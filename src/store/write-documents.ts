import { keyExists } from '../errors.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { GatewayScripts } from './scripts.js';

export type OnConflict = 'OVERWRITE' | 'FAIL';

export interface DocumentWrite {
  key: string;
  model: ModelDefinition;
  /** The encoded document: encoding happens in Node, never in Lua. */
  document: string;
}

/**
 * Writes every document and its TTL in one script call: all of them, or none (KEY_EXISTS under FAIL).
 * Every write path of the gateway goes through here, so that atomicity has one home.
 * Returns each key's TTL after the write, null when it has none.
 */
export async function writeDocuments(
  scripts: GatewayScripts,
  writes: readonly DocumentWrite[],
  onConflict: OnConflict,
): Promise<Array<number | null>> {
  const args: string[] = [onConflict];
  for (const { model, document } of writes) args.push(document, String(model.ttl ?? 0), model.refreshTtl ? '1' : '0');
  const [status = 0, ...ttls] = await scripts.writeDocuments(
    writes.map((write) => write.key),
    args,
  );
  if (status === 0) {
    const index = (ttls[0] ?? 1) - 1;
    throw keyExists(writes[index]?.key ?? '?', index);
  }
  return ttls.map((ttl) => (ttl < 0 ? null : ttl));
}
