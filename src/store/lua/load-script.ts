import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the scripts: beside this module, so src/store/lua when run from the sources and
 * dist/src/store/lua in the package (the build copies the .lua files there).
 */
export const LUA_DIR = dirname(fileURLToPath(import.meta.url));

/** `--- @include "includes/index-entries"`: a path relative to the including file, `.lua` optional. */
const INCLUDE = /^---[ \t]*@include[ \t]+"([^"]+)"[ \t]*$/;
const SHEBANG = /^#!lua\b/;

/** A script that cannot be assembled: a broken install or a broken script, never a caller's mistake. */
export class LuaScriptError extends Error {
  override name = 'LuaScriptError';
  constructor(
    readonly code: 'LUA_FILE_MISSING' | 'LUA_INCLUDE_CYCLE' | 'LUA_MISPLACED_SHEBANG',
    message: string,
    /** The file that names the problem: the missing one, or the one whose include closes the cycle. */
    readonly file: string,
  ) {
    super(message);
  }
}

const cache = new Map<string, string>();

/**
 * The text of `<dir>/<name>.lua` with its includes put in place: each include is replaced by the
 * included file, itself with its includes resolved, the first time the script names it, and removed
 * after that, so that a local function is defined once. Its `#!lua` shebang, which Redis reads
 * only on the first line, stays there. Read once per process: every client shares the text.
 */
export function loadScript(name: string, dir: string = LUA_DIR): string {
  const path = join(dir, `${name}.lua`);
  let text = cache.get(path);
  if (text === undefined) {
    text = assemble(path, dir, [], new Set());
    cache.set(path, text);
  }
  return text;
}

function assemble(path: string, root: string, chain: readonly string[], included: Set<string>): string {
  const name = (file: string) => relative(root, file) || file;
  if (!existsSync(path)) {
    const by = chain.at(-1);
    throw new LuaScriptError(
      'LUA_FILE_MISSING',
      by === undefined
        ? `Lua script ${path} does not exist: is the package built with its .lua files (npm run build)?`
        : `${name(by)} includes ${name(path)}, which does not exist: fix the include's path (relative to ${name(by)}).`,
      path,
    );
  }
  if (chain.includes(path)) {
    const cycle = [...chain.slice(chain.indexOf(path)), path].map(name).join(' -> ');
    throw new LuaScriptError(
      'LUA_INCLUDE_CYCLE',
      `Lua includes form a cycle: ${cycle}. Move the shared code into a file both include.`,
      path,
    );
  }
  included.add(path);
  const lines = readFileSync(path, 'utf8').split('\n');
  return lines
    .flatMap((line, i) => {
      if (SHEBANG.test(line) && (i > 0 || chain.length > 0)) {
        throw new LuaScriptError(
          'LUA_MISPLACED_SHEBANG',
          `${name(path)} has a #!lua shebang on line ${i + 1}; Redis reads one only on the first line of a script, so only a script's first line may have one.`,
          path,
        );
      }
      const include = INCLUDE.exec(line)?.[1];
      if (include === undefined) return [line];
      const target = join(dirname(path), include.endsWith('.lua') ? include : `${include}.lua`);
      const ancestors = [...chain, path];
      // A file already in place is left out, unless it is one being expanded: naming that is a cycle.
      if (included.has(target) && !ancestors.includes(target)) return [];
      return [assemble(target, root, ancestors, included).replace(/\n$/, '')];
    })
    .join('\n');
}
