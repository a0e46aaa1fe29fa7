import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: string;
  version?: string;
}

/**
 * The package's own directory and version, found by walking up from this module rather than by a fixed
 * number of `..`, so that they hold whether the CLI runs from the sources or from a build.
 */
function findPackage(from: string): { dir: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      if (pkg.name === 'redis-model-gateway') return { dir, version: pkg.version ?? '0.0.0' };
    } catch {
      // No package.json here, or not ours: look in the parent.
    }
    if (dirname(dir) === dir) throw new Error(`No package.json of redis-model-gateway above ${from}.`);
  }
}

const found = findPackage(dirname(fileURLToPath(import.meta.url)));

export const PACKAGE_DIR = found.dir;
export const PACKAGE_VERSION = found.version;
/**
 * The demo shop, served by `serve` without --models and named by `--models demo`: examples/shop.ts
 * beside src/, or dist/examples/shop.js beside dist/src/ in the built package.
 */
const here = fileURLToPath(import.meta.url);
export const DEMO_MODELS_FILE = join(extname(here) === '.ts' ? PACKAGE_DIR : join(PACKAGE_DIR, 'dist'), 'examples', `shop${extname(here)}`);
