import { UsageError } from './cli-error.js';

/** Flags every command takes; `--help` and `--version` are answered before the flags are parsed. */
export const GLOBAL_FLAGS = {
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * Runs node:util's parseArgs, turning its errors into one-line usage errors: its own messages go on
 * to advise placing arguments after `--`, which none of these commands take.
 */
export function parsingFlags<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    const positional = /^Unexpected argument '([^']+)'/.exec(message);
    throw new UsageError(
      unknown
        ? `${command} has no flag ${unknown[1]}.`
        : positional
          ? `${command} takes no argument "${positional[1]}": every value follows its flag.`
          : `${command}: ${message.split(/\.\s/, 1)[0]}.`,
      `See redis-model-gateway ${command} --help`,
    );
  }
}
