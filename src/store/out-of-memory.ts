import { redisUnavailable } from '../errors.js';

/** Redis's reply to a command (or a script without allow-oom) it refuses because it is over maxmemory. */
export const isOutOfMemory = (error: unknown) => error instanceof Error && error.message.startsWith('OOM ');

/** Turns Redis's OOM refusal of a script into REDIS_UNAVAILABLE: nothing ran, and it may succeed once memory is freed. */
export async function refuseWhenOutOfMemory<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isOutOfMemory(error)) throw redisUnavailable('it is over its maxmemory and refuses scripts that allocate');
    throw error;
  }
}
