import { createHash, timingSafeEqual } from 'node:crypto';
import { badUserInput } from '../errors.js';
import type { Registry } from '../model/registry.js';
import { Access, SCOPES, type Grant, type Scope } from '../store/access.js';

/** One API key: its scopes, on every model or only on `models`. The same key listed twice holds both grants. */
export interface ApiKey extends Grant {
  /** The secret a caller sends as `Authorization: Bearer <key>`. Give this or `sha256`. */
  key?: string | undefined;
  /** The key's SHA-256 as hex, so that a keys file need not hold the secret itself. */
  sha256?: string | undefined;
  /** Names the key in refusals. @default "the API key apiKeys[<position>]" */
  name?: string | undefined;
}

export interface AuthOptions {
  apiKeys?: readonly ApiKey[] | undefined;
  /**
   * What callers without a key may do once any key (or a write token) is configured.
   * With no key configured at all, every caller may do everything.
   * @default [] (nothing: reads need a key too)
   */
  anonymous?: readonly Scope[] | Grant | undefined;
}

/** What the gateway reads of a request's headers: a fetch Request, or a view of node:http's headers (see header-view.ts). */
export interface RequestHeaders {
  headers: { get(name: string): string | null };
}

/** Who the request's caller is: a known key, no credentials, or credentials that match no key. */
export interface Caller {
  kind: 'key' | 'anonymous' | 'unknown';
  access: Access;
}

export interface Authenticator {
  /** True when no key is configured: every caller has every scope. */
  readonly open: boolean;
  /** The scopes of callers without a key: every scope when open. */
  readonly anonymousScopes: readonly Scope[];
  /** The caller of a request, from its `Authorization: Bearer` header; once per request. */
  callerOf(request: RequestHeaders): Caller;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Turns the configured keys into a lookup that compares each presented token with every key in constant
 * time: both sides are SHA-256 digests of equal length, so neither a key's content nor its length leaks,
 * and every key is compared, so neither does which one matched.
 */
export function createAuthenticator(registry: Registry, auth: AuthOptions = {}, writeToken?: string): Authenticator {
  const keys: Array<{ apiKey: ApiKey; where: string }> = [
    ...(writeToken ? [{ apiKey: { key: writeToken, scopes: SCOPES, name: 'the write token' }, where: 'writeToken' }] : []),
    ...(auth.apiKeys ?? []).map((apiKey, i) => ({ apiKey, where: `apiKeys[${i}]` })),
  ];
  // One Access per distinct key: the same key listed twice holds the union of its grants.
  const byDigest = new Map<string, { digest: Buffer; grants: Grant[]; name: string }>();
  keys.forEach(({ apiKey, where }) => {
    const digest = digestOf(apiKey, where);
    const hex = digest.toString('hex');
    const entry = byDigest.get(hex) ?? { digest, grants: [], name: apiKey.name ?? `the API key ${where}` };
    entry.grants.push(checkGrant(registry, apiKey, where));
    byDigest.set(hex, entry);
  });
  const known = [...byDigest.values()].map((entry) => ({ digest: entry.digest, access: new Access(entry.grants, entry.name) }));

  const given = auth.anonymous ?? [];
  const anonymousGrant = checkGrant(registry, Array.isArray(given) ? { scopes: given as readonly Scope[] } : (given as Grant), 'anonymous');
  if (keys.length === 0) {
    const everyone: Caller = { kind: 'anonymous', access: Access.full };
    return { open: true, anonymousScopes: SCOPES, callerOf: () => everyone };
  }
  const anonymous: Caller = { kind: 'anonymous', access: new Access([anonymousGrant], 'anonymous callers') };
  const unknown: Caller = { kind: 'unknown', access: new Access([], 'a caller with an unknown token') };
  const callers = new WeakMap<RequestHeaders, Caller>();

  return {
    open: false,
    anonymousScopes: anonymousGrant.scopes,
    callerOf(request) {
      let caller = callers.get(request);
      if (caller) return caller;
      const header = request.headers.get('authorization');
      if (header === null || header === '') caller = anonymous;
      else {
        const token = /^Bearer +(.+)$/i.exec(header)?.[1];
        // A header that is not a bearer token still costs the same comparisons, and matches nothing.
        const presented = sha256(token ?? '');
        let access: Access | undefined;
        for (const candidate of known) if (timingSafeEqual(presented, candidate.digest)) access = candidate.access;
        caller = token !== undefined && access ? { kind: 'key', access } : unknown;
      }
      callers.set(request, caller);
      return caller;
    },
  };
}

function digestOf(apiKey: ApiKey, where: string): Buffer {
  if (typeof apiKey.key === 'string' && apiKey.sha256 === undefined) {
    if (apiKey.key === '') throw badUserInput(`auth.${where}.key is empty.`);
    return sha256(apiKey.key);
  }
  if (typeof apiKey.sha256 === 'string' && apiKey.key === undefined && /^[0-9a-f]{64}$/i.test(apiKey.sha256))
    return Buffer.from(apiKey.sha256, 'hex');
  throw badUserInput(`auth.${where} needs either "key" or "sha256" (64 hex digits), not both or neither.`);
}

/** Refuses unknown scopes and model names at startup, so that a typo never silently grants or withholds access. */
function checkGrant(registry: Registry, grant: Grant, where: string): Grant {
  if (!Array.isArray(grant.scopes)) throw badUserInput(`auth.${where}.scopes must be a list of ${SCOPES.join(', ')}.`);
  for (const scope of grant.scopes)
    if (!SCOPES.includes(scope)) throw badUserInput(`auth.${where}.scopes has "${scope}"; the scopes are ${SCOPES.join(', ')}.`);
  for (const model of grant.models ?? [])
    if (!registry.get(model))
      throw badUserInput(
        `auth.${where}.models has "${model}", which is not a registered model; the models are ${registry.models.map((each) => each.name).join(', ')}.`,
      );
  return { scopes: grant.scopes, ...(grant.models ? { models: grant.models } : {}) };
}
