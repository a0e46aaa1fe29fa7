/**
 * Every error the gateway returns on purpose. Plain typed errors with a stable
 * code and no GraphQL: the store throws them, and the schema layer turns them
 * into GraphQL errors with `extensions.code`. Anything that is not one of
 * these is unexpected, masked at the edge and logged.
 */
export type ErrorCode =
  | 'INVALID_KEY'
  | 'MODEL_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'KEY_EXISTS'
  | 'CORRUPT_VALUE'
  | 'VALIDATION_FAILED'
  | 'BAD_USER_INPUT'
  | 'TOO_MANY_KEYS'
  | 'IMMUTABLE_KEY'
  | 'UNAUTHENTICATED'
  | 'INVALID_MODEL_DEFINITION'
  | 'WRONG_MODEL'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'FORBIDDEN'
  | 'QUERY_TOO_COMPLEX'
  | 'QUERY_TOO_EXPENSIVE'
  | 'REQUEST_TOO_LARGE'
  | 'VALUE_TOO_LARGE'
  | 'REDIS_UNAVAILABLE'
  | 'WRITE_OUTCOME_UNKNOWN'
  | 'NOT_REPLICATED'
  | 'CROSS_SLOT'
  | 'PARTIALLY_WRITTEN'
  | 'UNSUPPORTED_MEDIA_TYPE';

export class GatewayError extends Error {
  override name = 'GatewayError';
  /** Extra, machine-readable facts for the client (the key, the input index, the field). */
  readonly details: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.details = details;
  }
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;

export const invalidKey = (key: string, reason: string) =>
  new GatewayError('INVALID_KEY', `Key "${truncate(key)}" is malformed: ${reason}. Keys look like "<ModelName>:<pk>".`, {
    key: truncate(key),
  });

export const modelNotFound = (key: string, modelName: string) =>
  new GatewayError('MODEL_NOT_FOUND', `Key "${key}" names model "${modelName}", which is not registered.`, {
    key,
    model: modelName,
  });

export const keyNotFound = (key: string) => new GatewayError('KEY_NOT_FOUND', `No model is stored at key "${key}".`, { key });

export const keyExists = (key: string, index: number) =>
  new GatewayError(
    'KEY_EXISTS',
    `models[${index}]: key "${key}" already exists and onConflict is FAIL: nothing was written. Use onConflict: OVERWRITE to replace it.`,
    { key, index },
  );

export const corruptValue = (key: string, reason: string) =>
  new GatewayError('CORRUPT_VALUE', `The value stored at "${key}" is not a valid document: ${reason}.`, { key });

export const badUserInput = (message: string, details: Record<string, unknown> = {}) =>
  new GatewayError('BAD_USER_INPUT', message, details);

export const tooManyKeys = (count: number, limit: number, what: string, option: 'maxKeys' | 'maxInsert') =>
  new GatewayError(
    'TOO_MANY_KEYS',
    `This request asks for ${count} ${what}; at most ${limit} are allowed in one request. Split it into several requests.`,
    { count, limit, option },
  );

/** `reason` says what was missing: no credentials where a scope is needed, or a token that matches no key. */
export const unauthenticated = (reason = 'the request had none or another token', details: Record<string, unknown> = {}) =>
  new GatewayError(
    'UNAUTHENTICATED',
    `This operation needs an API key or the write token, sent as "Authorization: Bearer <key>"; ${reason}.`,
    details,
  );

/** A request body the gateway does not parse: forms and multipart bodies are what a cross-site page can send without CORS. */
export const unsupportedMediaType = (contentType: string) =>
  new GatewayError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The request body is "${contentType.slice(0, 80)}"; send GraphQL as "Content-Type: application/json" (or application/graphql+json, application/graphql).`,
    { contentType: contentType.slice(0, 80) },
  );

export const immutableKey = (model: string, field: string) =>
  new GatewayError('IMMUTABLE_KEY', `Field "${model}.${field}" is the key of its model and can never change; leave it out of the update.`, {
    model,
    field,
  });

/** `given` is what named the other model: an input member (`product`) or a key's prefix (`Product`). */
export const wrongModel = (key: string, expected: string, given: string, advice: string) =>
  new GatewayError('WRONG_MODEL', `Key "${key}" is for model ${expected}, but ${given} names another model; ${advice}.`, {
    key,
    model: expected,
    given,
  });

export const lockTimeout = (key: string, action: string, timeoutMs: number) =>
  new GatewayError(
    'LOCK_TIMEOUT',
    `Lock "${action}" on "${key}" was not free within ${timeoutMs} ms; try again later or raise timeoutMs.`,
    {
      key,
      action,
      timeoutMs,
    },
  );

export const lockLost = (reason: string, details: Record<string, unknown> = {}) =>
  new GatewayError('LOCK_LOST', `The lock is no longer held (${reason}): nothing was written. Acquire it again.`, details);

export const forbidden = (message: string, details: Record<string, unknown> = {}) => new GatewayError('FORBIDDEN', message, details);

/**
 * Every refusal by a limit names it the same way in its details: `option`, the name of the limit under
 * `createGateway({ limits })`, and `limit`, its value.
 */
export type LimitOption =
  | 'maxKeys'
  | 'maxInsert'
  | 'maxCost'
  | 'maxFinderWork'
  | 'maxBodyBytes'
  | 'maxDocumentBytes'
  | 'maxTokens'
  | 'maxDepth'
  | 'maxAliases'
  | 'maxDirectives'
  | 'maxVariablesDepth'
  | 'maxWhereDepth';

/** A refusal of the operation's shape (depth, aliases, tokens, directives, nesting of variables or of a where), before it runs. */
export const queryTooComplex = (message: string, option: LimitOption, limit: number) =>
  new GatewayError('QUERY_TOO_COMPLEX', message, { option, limit });

/** A refusal of what the operation would make Redis do, estimated before it runs. */
export const queryTooExpensive = (
  what: string,
  estimate: number,
  limit: number,
  option: 'maxCost' | 'maxFinderWork',
  details: Record<string, unknown> = {},
) =>
  new GatewayError(
    'QUERY_TOO_EXPENSIVE',
    `${what} would cost an estimated ${estimate}; at most ${limit} is allowed in one request. Narrow it (a more selective where, a smaller first) or split it into several requests.`,
    { estimate, limit, option, ...details },
  );

/** `size` is null when the body had no Content-Length and was cut off once past the limit. */
export const requestTooLarge = (size: number | null, limit: number) =>
  new GatewayError(
    'REQUEST_TOO_LARGE',
    `The request body is ${size === null ? `over ${limit}` : size} bytes; at most ${limit} are allowed. Send a smaller operation, and large data in several requests.`,
    { size, limit, option: 'maxBodyBytes' },
  );

export const valueTooLarge = (key: string, size: number, limit: number, details: Record<string, unknown> = {}) =>
  new GatewayError(
    'VALUE_TOO_LARGE',
    `The document for "${truncate(key)}" encodes to ${size} bytes; at most ${limit} are allowed: nothing was written.`,
    { key: truncate(key), size, limit, option: 'maxDocumentBytes', ...details },
  );

/** Nothing was applied: Redis could not be reached or did not answer a read. Safe to retry. */
export const redisUnavailable = (reason: string) =>
  new GatewayError('REDIS_UNAVAILABLE', `Redis is unavailable (${reason}); nothing was written. Try again shortly.`);

/** A write reached Redis (or may have) and its reply was lost: it may or may not have been applied, and the client never resends it by itself. */
export const writeOutcomeUnknown = (reason: string) =>
  new GatewayError(
    'WRITE_OUTCOME_UNKNOWN',
    `The write was sent to Redis but its reply was lost (${reason}): it may or may not have been applied. Read the data back before you retry.`,
  );

/** The reason a WRITE_OUTCOME_UNKNOWN message gives, read back from the message writeOutcomeUnknown makes. */
export const lostReplyReasonOf = (error: GatewayError) => /reply was lost \((.*?)\): it may/.exec(error.message)?.[1] ?? error.message;

/**
 * A write whose reply stayed lost after the store re-sent it under its write id: its record answers any
 * later call with the same id, so the caller can retry with it while the record lives.
 */
export const writeOutcomeStillUnknown = (reason: string, writeId: string, attempts: number, recordSeconds: number) =>
  new GatewayError(
    'WRITE_OUTCOME_UNKNOWN',
    `The write was sent to Redis ${attempts} times under write id "${writeId}" and every reply was lost (last: ${reason}): it may or may not have been applied. ` +
      `Retry it unchanged with writeId "${writeId}" within ${recordSeconds} s: a write already applied answers its recorded outcome and is not applied again.`,
    { writeId, attempts },
  );

/** One group of a write committed slot by slot, as a PARTIALLY_WRITTEN error reports it. */
export interface SlotGroupReport {
  /** The group's hash slot; null on one Redis, where every key is in one group. */
  slot: number | null;
  keys: string[];
  written: boolean;
  /**
   * Why the group failed; absent for a group written, or not tried after an earlier one failed.
   * WRITE_OUTCOME_UNKNOWN: the group may or may not be written; INTERNAL_SERVER_ERROR: unexpected.
   */
  error?: { code: ErrorCode | 'INTERNAL_SERVER_ERROR'; message: string };
}

/**
 * A write committed slot by slot (atomicity PER_SLOT) that stopped at a group: the groups before it are
 * written, each whole; the failed group and those after it are not.
 */
export function partiallyWritten(operation: string, writeId: string, groups: readonly SlotGroupReport[]) {
  const written = groups.filter((group) => group.written).length;
  const failed = groups.find((group) => group.error);
  return new GatewayError(
    'PARTIALLY_WRITTEN',
    `${operation} wrote ${written} of ${groups.length} slot groups, each whole, in ascending slot order, and stopped at slot ${failed?.slot ?? '?'}: ${failed?.error?.message ?? 'unknown'} ` +
      `Retry it unchanged with writeId "${writeId}": groups already written answer their recorded outcome, the rest are written.`,
    { operation, writeId, groups },
  );
}

/**
 * A write asked for writeConcern REPLICA was applied on the primary, but no replica acknowledged it in
 * time. It stands on the primary; a failover before it replicates would lose it.
 */
export const notReplicated = (waitMs: number) =>
  new GatewayError(
    'NOT_REPLICATED',
    `The write was applied on the primary, but no replica acknowledged it within ${waitMs} ms (writeConcern REPLICA): a failover before it replicates would lose it. Read it back before you retry; a Redis without replicas never acknowledges, so write there with writeConcern PRIMARY.`,
    { replicas: 0, waitMs },
  );

/** A lock taken with writeConcern REPLICA that no replica acknowledged in time: it was let go again, since a failover could hand it to another caller. */
export const lockNotReplicated = (key: string, action: string, waitMs: number) =>
  new GatewayError(
    'NOT_REPLICATED',
    `The lock on "${truncate(key)}" (${action}) was taken, but no replica acknowledged it within ${waitMs} ms (writeConcern REPLICA), so it was let go again: a failover could have handed it to another caller. Try again once a replica is back, or lock with writeConcern PRIMARY.`,
    { replicas: 0, waitMs, key: truncate(key), action },
  );

/** How many keys a CROSS_SLOT message names; its details name them all. */
const CROSS_SLOT_NAMED = 20;

/**
 * A write on a Redis Cluster whose keys fall in several hash slots, refused before anything is sent:
 * one script is atomic only within one slot. `keys` holds each key with its slot, in the caller's order.
 */
export function crossSlot(operation: string, keys: ReadonlyArray<{ key: string; slot: number }>) {
  const slots = new Map<number, string[]>();
  for (const { key, slot } of keys.slice(0, CROSS_SLOT_NAMED)) slots.set(slot, [...(slots.get(slot) ?? []), `"${truncate(key)}"`]);
  const named = [...slots].map(([slot, inSlot]) => `slot ${slot}: ${inSlot.join(', ')}`).join('; ');
  const more = keys.length > CROSS_SLOT_NAMED ? ` and ${keys.length - CROSS_SLOT_NAMED} more keys` : '';
  const count = new Set(keys.map(({ slot }) => slot)).size;
  return new GatewayError(
    'CROSS_SLOT',
    `${operation} touches ${count} hash slots of the Redis Cluster (${named}${more}): a write is atomic only within one slot, so nothing was written. ` +
      'Give related pks a common hash tag, the same text in braces, so that they hash together (e.g. "User:{shop7}alice" and "Order:{shop7}o1" share the slot of "shop7"), or write them in separate calls (insertMany and deleteMany also take atomicity: PER_SLOT, one atomic step per slot).',
    { operation, slots: count, keys: keys.map(({ key, slot }) => ({ key: truncate(key), slot })) },
  );
}

export const invalidModelDefinition = (message: string) => new GatewayError('INVALID_MODEL_DEFINITION', message);

const truncate = (key: string) => (key.length > 80 ? `${key.slice(0, 77)}...` : key);
