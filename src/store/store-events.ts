import type { GatewayScripts } from './scripts.js';

/**
 * What a session reports as it talks to Redis, for whoever watches it (the server's metrics). Every
 * member is optional and called at most once per command, batch or lock, never per key, so that a
 * watcher costs the hot path next to nothing; without one the store reports nothing.
 */
export interface StoreEvents {
  /** One command the session sent to Redis, and so one round trip: `mget`, or the name of a script. */
  roundTrip?(command: string): void;
  /** One batch of the session's reads: how many loads DataLoader gathered into one command. */
  batch?(size: number): void;
  /** A lock was taken after `waitedMs` (the attempts included), or not within its timeout (LOCK_TIMEOUT). */
  lockWait?(waitedMs: number, acquired: boolean): void;
}

/**
 * The scripts, each call reported as a round trip. Built from whatever functions `scripts` holds, so
 * that a script added later is counted too. Only a watcher of round trips pays for the wrapper.
 */
export function reportRoundTrips(scripts: GatewayScripts, events: StoreEvents): GatewayScripts {
  const { roundTrip } = events;
  if (!roundTrip) return scripts;
  const reported: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(scripts)) {
    reported[name] =
      typeof call === 'function'
        ? (...args: unknown[]) => {
            roundTrip.call(events, name);
            return (call as (...args: unknown[]) => unknown)(...args);
          }
        : call;
  }
  return reported as unknown as GatewayScripts;
}
