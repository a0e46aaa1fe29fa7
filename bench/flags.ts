import type { LoadOptions } from './measure.js';

/** A flag that must be a whole number above zero, with an error naming the flag. */
export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above zero; got "${text}".`);
  return value;
}

/** The load of one measurement, from the --connections, --warmup and --duration flags every HTTP bench takes. */
export const loadFromFlags = (flags: { connections: string; warmup: string; duration: string }): LoadOptions => ({
  connections: positiveInteger('connections', flags.connections),
  warmupSeconds: positiveInteger('warmup', flags.warmup),
  durationSeconds: positiveInteger('duration', flags.duration),
});
