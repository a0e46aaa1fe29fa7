import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScript, LUA_DIR, LuaScriptError } from '../src/store/lua/load-script.js';

/* The loader on files of its own, without Redis: what a script becomes once its includes are in place. */

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A directory of .lua files, named without their extension. */
function scripts(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-lua-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, `${name}.lua`), text);
  }
  return dir;
}

function failure(run: () => unknown): LuaScriptError {
  try {
    run();
  } catch (error) {
    if (error instanceof LuaScriptError) return error;
    throw error;
  }
  throw new Error('expected a LuaScriptError');
}

describe('loadScript', () => {
  it('puts an include in place of its directive, with the .lua suffix optional', () => {
    const dir = scripts({
      main: '--- @include "includes/a"\n--- @include "includes/b.lua"\nreturn a() + b()\n',
      'includes/a': 'local function a() return 1 end\n',
      'includes/b': 'local function b() return 2 end\n',
    });
    expect(loadScript('main', dir)).toBe('local function a() return 1 end\nlocal function b() return 2 end\nreturn a() + b()\n');
  });

  it('resolves nested includes relative to the including file, and includes each file once, where first named', () => {
    const dir = scripts({
      main: '--- @include "includes/time"\n--- @include "includes/plan"\n--- @include "includes/time"\nreturn plan()\n',
      'includes/plan': '--- @include "time"\n--- @include "index"\nlocal function plan() return index(now()) end\n',
      'includes/index': '--- @include "time"\nlocal function index(t) return t end\n',
      'includes/time': 'local function now() return 0 end\n',
    });
    const text = loadScript('main', dir);
    expect(text.match(/local function now/g)).toHaveLength(1);
    expect(text).toBe(
      [
        'local function now() return 0 end',
        'local function index(t) return t end',
        'local function plan() return index(now()) end',
        'return plan()',
        '',
      ].join('\n'),
    );
  });

  it('keeps the #!lua shebang, with its flags, on the first line', () => {
    const dir = scripts({
      main: '#!lua flags=allow-oom\n--- @include "includes/a"\nreturn a()\n',
      'includes/a': '-- a comment\nlocal function a() return 1 end\n',
    });
    const lines = loadScript('main', dir).split('\n');
    expect(lines[0]).toBe('#!lua flags=allow-oom');
    expect(lines.slice(1, 3)).toEqual(['-- a comment', 'local function a() return 1 end']);
  });

  it('refuses a shebang anywhere but the first line of the script, naming the file', () => {
    const included = scripts({ main: '#!lua\n--- @include "includes/a"\n', 'includes/a': '#!lua\nlocal x = 1\n' });
    const error = failure(() => loadScript('main', included));
    expect(error.code).toBe('LUA_MISPLACED_SHEBANG');
    expect(error.message).toContain('includes/a.lua has a #!lua shebang on line 1');
    const late = scripts({ main: '-- header\n#!lua\nreturn 1\n' });
    expect(failure(() => loadScript('main', late)).message).toContain('main.lua has a #!lua shebang on line 2');
  });

  it('refuses a missing include, naming the file that includes it and the path it names', () => {
    const dir = scripts({ main: '--- @include "includes/a"\n', 'includes/a': '--- @include "nowhere"\n' });
    const error = failure(() => loadScript('main', dir));
    expect(error.code).toBe('LUA_FILE_MISSING');
    expect(error.file).toBe(join(dir, 'includes', 'nowhere.lua'));
    expect(error.message).toBe(
      "includes/a.lua includes includes/nowhere.lua, which does not exist: fix the include's path (relative to includes/a.lua).",
    );
  });

  it('refuses a missing script, saying the build may lack its .lua files', () => {
    const dir = scripts({});
    const error = failure(() => loadScript('gone', dir));
    expect(error.code).toBe('LUA_FILE_MISSING');
    expect(error.message).toContain(`${join(dir, 'gone.lua')} does not exist`);
  });

  it('refuses a cycle of includes, naming the files around it', () => {
    const dir = scripts({
      main: '--- @include "includes/a"\n',
      'includes/a': '--- @include "b"\n',
      'includes/b': '--- @include "a"\n',
    });
    const error = failure(() => loadScript('main', dir));
    expect(error.code).toBe('LUA_INCLUDE_CYCLE');
    expect(error.message).toContain('includes/a.lua -> includes/b.lua -> includes/a.lua');
    const self = scripts({ main: '--- @include "main"\n' });
    expect(failure(() => loadScript('main', self)).message).toContain('main.lua -> main.lua');
  });

  it('reads a script once per process: later changes to the file are not seen', () => {
    const dir = scripts({ main: 'return 1\n' });
    expect(loadScript('main', dir)).toBe('return 1\n');
    writeFileSync(join(dir, 'main.lua'), 'return 2\n');
    expect(loadScript('main', dir)).toBe('return 1\n');
  });

  it("assembles every one of the gateway's scripts, each opening with its header or shebang, with no directive left", () => {
    const names = readdirSync(LUA_DIR)
      .filter((file) => file.endsWith('.lua'))
      .map((file) => file.slice(0, -'.lua'.length));
    expect(names.length).toBeGreaterThanOrEqual(11);
    for (const name of names) {
      const text = loadScript(name);
      expect(text, name).toMatch(/^(#!lua( flags=[a-z-,]+)?\n)?--\[\[\n/);
      expect(text, name).not.toContain('@include');
    }
  });
});
