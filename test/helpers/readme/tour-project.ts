import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeBlock } from './code-blocks.js';

/**
 * A fresh project as `npm init -y` leaves it, with what `npm install redis-model-gateway zod tsx` would
 * add: the repository's node_modules, linked entry by entry, and the package itself. The README's file
 * blocks are written into it as the files they name.
 */
export async function makeTourProject(dir: string, repo: string, files: readonly CodeBlock[]): Promise<void> {
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'tour', version: '1.0.0', main: 'index.js' }, null, 2)}\n`);
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  for (const name of await readdir(join(repo, 'node_modules'))) {
    if (name !== '.bin' && !name.startsWith('.')) await symlink(join(repo, 'node_modules', name), join(modules, name));
  }
  for (const name of await readdir(join(repo, 'node_modules', '.bin'))) {
    await symlink(join(repo, 'node_modules', '.bin', name), join(modules, '.bin', name));
  }
  await linkPackage(modules, repo);
  for (const block of files) if (block.file) await writeFile(join(dir, block.file), block.code);
}

/**
 * How the README's `'redis-model-gateway'` reaches this repository: a link in node_modules, so that
 * imports resolve through the package's own `exports`, as in a user's project. The one place to change
 * when the package is used another way (a packed tarball, a build to run first).
 */
async function linkPackage(modules: string, repo: string): Promise<void> {
  await symlink(repo, join(modules, 'redis-model-gateway'));
  const bin = join(modules, '.bin', 'redis-model-gateway');
  const cli = join(repo, 'bin', 'redis-model-gateway.js');
  await symlink(cli, bin);
}

/** A tsconfig as strict as a careful user's, over the project's TypeScript files. */
export async function writeTsconfig(dir: string, files: readonly string[]): Promise<void> {
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
}
