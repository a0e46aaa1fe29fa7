import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readFile, realpath, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runtimeDifferences } from './runtime-packages.js';

/** A tree of the project whose gateway the comparison runs. */
export interface Tree {
  /** Its root, where package.json is. */
  root: string;
  /** How the report names it. */
  label: string;
  /** Removes a temporary checkout; nothing for the working tree. */
  remove(): Promise<void>;
}

/**
 * The harness files the gateway children run, taken from the working tree into every checkout (over
 * the commit's own, if it has them): each side then differs only in its src/ and its dependencies.
 */
export const HARNESS_FILES = [
  'bench/bench-model.ts',
  'bench/host-over-ipc.ts',
  'bench/servers/listen.ts',
  'bench/compare/gateway-child.ts',
];

export const git = (root: string, ...args: string[]) =>
  // A lockfile passes through here: room beyond the 1 MB default.
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).trim();

const commitOf = (root: string, ref: string) => {
  try {
    return git(root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`"${ref}" names no commit in ${root}; give --ref a branch, tag, sha or an expression like HEAD~1.`);
  }
};

/** "c288548 One table of HTTP statuses..." */
export const describeCommit = (root: string, ref: string) => git(root, 'log', '-1', '--format=%h %s', commitOf(root, ref));

/**
 * The commit a change is measured against: where the current branch left main (the merge-base of HEAD
 * with origin/main, else with main), or, on main itself, HEAD~1, the first parent: the main before the
 * last commit or merge.
 */
export function defaultRef(root: string): { ref: string; why: string } {
  const head = commitOf(root, 'HEAD');
  for (const upstream of ['origin/main', 'main']) {
    let base: string;
    try {
      base = git(root, 'merge-base', 'HEAD', upstream);
    } catch {
      continue;
    }
    if (base !== head) return { ref: base, why: `the merge-base of HEAD and ${upstream}` };
    break;
  }
  return { ref: 'HEAD~1', why: 'HEAD is on main: its first parent' };
}

/** The working tree as it is, uncommitted changes included. */
export function workingTree(root: string): Tree {
  const dirty = git(root, 'status', '--porcelain', '--untracked-files=no', '--', 'src', 'package.json', 'package-lock.json') !== '';
  return {
    root,
    label: `working tree (HEAD ${describeCommit(root, 'HEAD')}${dirty ? ', with uncommitted changes to src/ or the packages' : ''})`,
    remove: async () => {},
  };
}

/**
 * Checks `ref` out into a temporary git worktree. Its node_modules is a link to the working tree's when
 * that installs every runtime package of the ref's lockfile at the same version, else `npm ci` fills it.
 */
export async function checkOut(root: string, ref: string, log: (message: string) => void): Promise<Tree> {
  const commit = commitOf(root, ref);
  const dir = await mkdtemp(join(tmpdir(), 'rmg-bench-ref-'));
  try {
    git(root, 'worktree', 'add', '--detach', '--quiet', dir, commit);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const tree: Tree = {
    root: dir,
    label: commit.startsWith(ref) ? describeCommit(root, commit) : `${ref} (${describeCommit(root, commit)})`,
    async remove() {
      // Unlink first, so that nothing below can reach into the working tree's node_modules.
      const modules = join(dir, 'node_modules');
      if (await isSymlink(modules)) await unlink(modules);
      try {
        git(root, 'worktree', 'remove', '--force', dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    const differences = runtimeDifferences(
      git(root, 'show', `${commit}:package-lock.json`),
      await readFile(join(root, 'package-lock.json'), 'utf8'),
    );
    if (differences.length === 0) {
      await symlink(await realpath(join(root, 'node_modules')), join(dir, 'node_modules'), 'dir');
    } else {
      log(
        `${ref} runs other package versions (${differences.slice(0, 5).join('; ')}${differences.length > 5 ? '; ...' : ''}): npm ci in ${dir}`,
      );
      const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 2, 2] });
      if (install.status !== 0) throw new Error(`npm ci in the checkout of ${ref} failed (exit ${install.status}).`);
      tree.label += ', own npm ci';
    }
    for (const file of HARNESS_FILES) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await copyFile(join(root, file), join(dir, file));
    }
    return tree;
  } catch (error) {
    await tree.remove();
    throw error;
  }
}

const isSymlink = (path: string) =>
  lstat(path).then(
    (stat) => stat.isSymbolicLink(),
    () => false,
  );
