import { parse } from 'shell-quote';

/** One simple command of a shell block: its words, with `$VAR` left as written. */
export type Command = string[];

const SEPARATORS = new Set(['&&', '||', ';', '|', '&', ';;']);
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<(', '>|']);

/**
 * The simple commands of a shell block, parsed by shell-quote one logical line at a time (its comments
 * run to the end of the input, so lines are split first; a trailing backslash joins the next line).
 * Redirections and their targets are left out: they name files, not commands.
 */
export function commandsOf(code: string): Command[] {
  const commands: Command[] = [];
  for (const line of code.replace(/\\\n/g, ' ').split('\n')) {
    let current: Command = [];
    let skipNext = false;
    for (const entry of parse(line, (name) => `$${name}`)) {
      if (typeof entry === 'string') {
        if (skipNext) skipNext = false;
        else current.push(entry);
      } else if ('comment' in entry) break;
      else if ('pattern' in entry) current.push(entry.pattern);
      else if (SEPARATORS.has(entry.op)) {
        if (current.length > 0) commands.push(current);
        current = [];
      } else if (REDIRECTS.has(entry.op)) skipNext = true;
    }
    if (current.length > 0) commands.push(current);
  }
  return commands;
}

/** What `# → text` comments say the block prints, each a piece of its standard output. */
export const expectedOutputs = (code: string) => [...code.matchAll(/#\s*→\s*(.+?)\s*$/gm)].map((match) => match[1] ?? '');

export interface Known {
  /** The scripts of the repository's package.json, which `npm start`, `npm test` and `npm run` use. */
  scripts: Record<string, string>;
  /** What `redis-model-gateway --help` prints. */
  usage: string;
  /** The executables npx finds in the project's node_modules/.bin. */
  bins: readonly string[];
  /** The files the README's blocks define. */
  files: readonly string[];
}

const NPM_SCRIPT_COMMANDS = ['start', 'test', 'stop', 'restart'];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const inUsage = (usage: string, text: string) => new RegExp(`(^|[\\s\\[|])${escape(text)}(?![\\w-])`, 'm').test(usage);

/** What is wrong with a command: an npm script, a CLI command or flag, a bin or a file that does not exist. */
export function problemsOf(command: Command, known: Known): string[] {
  const [program, ...args] = command.filter((word, index) => !command.slice(0, index + 1).every((each) => /^\w+=/.test(each)));
  if (program === 'npm') {
    const [sub = '', script = ''] = args;
    const name = NPM_SCRIPT_COMMANDS.includes(sub) ? sub : ['run', 'run-script'].includes(sub) ? script : undefined;
    return name !== undefined && !(name in known.scripts) ? [`npm ${sub}: package.json has no "${name}" script`] : [];
  }
  if (program === 'node')
    return fileProblems(
      args.find((arg) => !arg.startsWith('-')),
      known,
    );
  if (program !== 'npx') return [];
  // npx's own flags come before the executable.
  const [bin = '', ...rest] = args.slice(
    Math.max(
      0,
      args.findIndex((arg) => !arg.startsWith('-')),
    ),
  );
  if (bin === 'tsx')
    return fileProblems(
      rest.find((arg) => !arg.startsWith('-')),
      known,
    );
  if (bin !== 'redis-model-gateway') return known.bins.includes(bin) ? [] : [`npx ${bin}: no such executable in node_modules/.bin`];
  const [sub] = rest;
  const problems =
    sub && !sub.startsWith('-') && !inUsage(known.usage, `redis-model-gateway ${sub}`) ? [`no command "${sub}" in the CLI usage`] : [];
  for (const flag of rest.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0] ?? arg)) {
    // --help is how the usage was read, so it exists whether or not the usage lists it.
    if (flag !== '--help' && !inUsage(known.usage, flag)) problems.push(`no flag ${flag} in the CLI usage`);
  }
  return problems;
}

const fileProblems = (file: string | undefined, known: Known) =>
  file === undefined || known.files.includes(file) ? [] : [`${file}: no README block names this file`];
