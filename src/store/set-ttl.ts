import { badUserInput, keyNotFound } from '../errors.js';
import { MAX_TTL_SECONDS } from '../model/define-model.js';
import { decodeDocument } from '../model/document-codec.js';
import type { ModelInstance } from '../model/model-instance.js';
import type { ResolvedKey } from '../model/registry.js';
import type { Keyspace } from './keyspace.js';
import type { GatewayScripts } from './scripts.js';

/**
 * rapyer's aset_ttl: `seconds` from now, or no expiry for null. As in rapyer, the next refreshing read
 * or write sets the TTL back to the model's `ttl`. Answers the model without refreshing it.
 */
export async function setTtl(
  scripts: GatewayScripts,
  keyspace: Keyspace,
  target: ResolvedKey,
  seconds: number | null,
): Promise<ModelInstance> {
  if (seconds !== null && !(Number.isInteger(seconds) && seconds > 0 && seconds <= MAX_TTL_SECONDS)) {
    throw badUserInput(`seconds is ${seconds}; it must be a whole number from 1 to ${MAX_TTL_SECONDS}, or null to remove the TTL.`, {
      seconds,
    });
  }
  const expiryKey = `${keyspace.indexPrefix(target.model.name, target.key)}@expiry`;
  const [ttl, document] = await scripts.setTtl(target.key, expiryKey, target.pk, seconds ?? 0);
  if (ttl === -2 || document === undefined) throw keyNotFound(target.key);
  const value = decodeDocument(target.model, target.key, document) as ModelInstance['value'];
  return { model: target.model, key: target.key, pk: target.pk, ttl: ttl < 0 ? null : ttl, value };
}
