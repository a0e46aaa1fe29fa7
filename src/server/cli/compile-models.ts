import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildFailure, Plugin } from 'esbuild';

/** What esbuild compiles; JavaScript is imported as it is. */
export const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Marks the resolution a plugin asks esbuild for itself, so that the plugin does not answer its own question. */
const RESOLVING = Symbol('resolving');

/**
 * Packages stay imports (the models must share the gateway's and zod's module instances with the
 * CLI), but as absolute file URLs that esbuild resolved from the models file's own directory, so that
 * the compiled module imports the same files wherever it is written.
 */
const packagesAsFileUrls: Plugin = {
  name: 'packages-as-file-urls',
  setup(build) {
    // An import by file URL is taken as the models file's own source when it is TypeScript (which Node
    // cannot import), and as a package otherwise.
    build.onResolve({ filter: /^file:/ }, (args) =>
      TYPESCRIPT.test(args.path) ? { path: fileURLToPath(args.path) } : { path: args.path, external: true },
    );
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === RESOLVING || args.path.startsWith('node:') || args.path.startsWith('file:')) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      // A Node built-in named without `node:` is left as written.
      if (resolved.external) return { path: args.path, external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

/**
 * Imports a TypeScript models file compiled by esbuild: the file and the sources it imports by relative
 * path become one ES module, written to a temporary directory, imported, and removed.
 *
 * A loader registered for the whole process (tsx's) would serve the same purpose, but on Node 20 module
 * hooks run on a thread of their own that stays for the life of the process: about 15 MB of RSS in each
 * serving process, and more under load, for a file that is compiled once. esbuild's own helper process
 * is stopped once the file is compiled. Stacks name the sources' files and lines, through an inline source
 * map.
 */
export async function importTypeScript(path: string): Promise<Record<string, unknown>> {
  const esbuild = await import('esbuild');
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      absWorkingDir: dirname(path),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      sourcemap: 'inline',
      // The map names the sources from where they are, so that a stack through them names the .ts files.
      sourceRoot: `${pathToFileURL(dirname(path)).href}/`,
      logLevel: 'silent',
      plugins: [packagesAsFileUrls],
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    throw compileError(error);
  } finally {
    await esbuild.stop();
  }
  process.setSourceMapsEnabled(true);
  const directory = await mkdtemp(join(tmpdir(), 'redis-model-gateway-models-'));
  try {
    const compiled = join(directory, `${basename(path).replace(/\.[cm]?tsx?$/, '')}.mjs`);
    await writeFile(compiled, code);
    return (await import(pathToFileURL(compiled).href)) as Record<string, unknown>;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** esbuild's failure as one line naming where, which is what the CLI shows of it. */
function compileError(error: unknown): unknown {
  const [first] = (error as Partial<BuildFailure>).errors ?? [];
  if (!first) return error;
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
  return new Error(`${where}${first.text}`, { cause: error });
}
