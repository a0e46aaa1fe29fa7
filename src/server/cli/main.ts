// First: it sets NODE_ENV before graphql-js is loaded (see node-env.ts).
import './node-env.js';
import { UsageError } from './cli-error.js';
import { PACKAGE_VERSION } from './package-root.js';
import { reportError } from './report-error.js';
import { HELP, helpOf } from './usage.js';

/*
 * The entry of `redis-model-gateway`: picks the command, answers --help and --version, and turns a
 * failure into one line, a hint and an exit code (0 done, 1 failed, 2 called wrongly). Each command
 * undoes what it started before its error gets here.
 */

/** Imported when run, so that a process loads only what its command uses (serve's primary loads no GraphQL). */
const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve: async (argv) => (await import('./serve.js')).serve(argv),
  reindex: async (argv) => (await import('./reindex.js')).reindex(argv),
  migrate: async (argv) => (await import('./migrate.js')).migrate(argv),
  schema: async (argv) => (await import('./schema.js')).schema(argv),
};

async function main([command, ...rest]: string[]): Promise<void> {
  if (command === '--version' || rest.includes('--version')) return console.log(PACKAGE_VERSION);
  if (command === '--help' || command === '-h' || command === 'help') return console.log(helpOf(rest[0]));
  if (command === undefined)
    throw new UsageError(
      'no command given.',
      'Run redis-model-gateway serve, reindex, migrate or schema; redis-model-gateway --help says more.',
    );
  const run = COMMANDS[command];
  if (!run)
    throw new UsageError(
      command.startsWith('-') ? `${command} comes before the command.` : `there is no command "${command}".`,
      `The commands are ${Object.keys(HELP).join(', ')}: see redis-model-gateway --help`,
    );
  if (rest.includes('--help') || rest.includes('-h')) return console.log(helpOf(command));
  await run(rest);
}

const argv = process.argv.slice(2);
main(argv).catch((error: unknown) => {
  // The command is known here only if it exists: a help hint must name a real one.
  const command = argv[0] !== undefined && argv[0] in COMMANDS ? argv[0] : undefined;
  process.exit(reportError(error, command, argv.includes('--debug')));
});
