import { UsageError } from './cli/cli-error.js';
import type { GatewayLimits } from './create-gateway.js';

/** `serve`'s limit flags: the kebab-case of each option under `limits`. */
export const LIMIT_FLAGS = {
  'max-keys': 'maxKeys',
  'max-cost': 'maxCost',
  'max-insert': 'maxInsert',
  'max-document-bytes': 'maxDocumentBytes',
  'max-body-bytes': 'maxBodyBytes',
  'max-tokens': 'maxTokens',
  'max-depth': 'maxDepth',
  'max-aliases': 'maxAliases',
  'max-directives': 'maxDirectives',
  'max-variables-depth': 'maxVariablesDepth',
  'parse-cache-bytes': 'parseCacheBytes',
  'parse-cache-entries': 'parseCacheEntries',
  'max-finder-work': 'maxFinderWork',
  'max-where-depth': 'maxWhereDepth',
  'delete-step': 'deleteStep',
} as const satisfies Record<string, keyof GatewayLimits>;

export type LimitFlag = keyof typeof LIMIT_FLAGS;

/** parseArgs options for the limit flags. */
export const limitFlagOptions = Object.fromEntries(Object.keys(LIMIT_FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<
  LimitFlag,
  { type: 'string' }
>;

/** A flag's value as a whole number above zero (`1000` or `1_000`); anything else is a UsageError naming the flag. */
export function wholeNumberOf(flag: string, given: string, unit = ''): number {
  const value = Number(given.replaceAll('_', ''));
  if (!/^[0-9][0-9_]*$/.test(given) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`--${flag} is "${given}"; it must be a whole number${unit} above zero.`);
  return value;
}

/** The limits given on the command line; each must be a whole number above zero. */
export function limitsFromFlags(values: Partial<Record<LimitFlag, string>>): Partial<GatewayLimits> {
  const limits: Partial<GatewayLimits> = {};
  for (const [flag, option] of Object.entries(LIMIT_FLAGS) as Array<[LimitFlag, keyof GatewayLimits]>) {
    const given = values[flag];
    if (given === undefined) continue;
    limits[option] = wholeNumberOf(flag, given);
  }
  return limits;
}
