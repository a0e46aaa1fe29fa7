import { CliError, UsageError } from './cli-error.js';

const firstLine = (text: string) => text.split('\n', 1)[0] ?? '';

/**
 * Prints a failed command's error as one line and a hint (with --debug: whole, with its stack and
 * cause) and returns the exit code. Errors the CLI did not foresee say how to see the rest.
 */
export function reportError(error: unknown, command: string | undefined, debug: boolean): number {
  const known = error instanceof CliError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const hint = known
    ? (known.hint ?? (known instanceof UsageError ? `See redis-model-gateway ${command ? `${command} ` : ''}--help` : undefined))
    : debug
      ? undefined
      : 'Run again with --debug for the whole error and its stack.';
  if (debug) console.error(error);
  else console.error(`error: ${firstLine(message)}`);
  if (hint) console.error(`hint: ${hint}`);
  return known?.exitCode ?? 1;
}
