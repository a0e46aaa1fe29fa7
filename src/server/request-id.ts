import { randomUUID } from 'node:crypto';

/**
 * Letters, digits and `-_.:`, 1 to 128 of them: enough for the ids proxies and tracers send (UUIDs, hex,
 * `Root=` trace ids aside), and nothing that could split a header or pass for another field in a log.
 */
const SANE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The id of a request: the caller's `x-request-id` when it is a sane token, else a fresh UUID. */
export const requestIdOf = (given: string | null): string => (given !== null && SANE.test(given) ? given : randomUUID());
