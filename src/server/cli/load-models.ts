import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelDefinition } from '../../model/define-model.js';
import { CliError } from './cli-error.js';
import { importTypeScript, TYPESCRIPT } from './compile-models.js';

const isModel = (value: unknown): value is ModelDefinition =>
  typeof value === 'object' && value !== null && 'schema' in value && 'fields' in value && 'name' in value && 'create' in value;

const firstLine = (text: string) => text.split('\n', 1)[0] ?? '';

/**
 * Imports a models module (TypeScript too, compiled by esbuild) and collects what it exports:
 * a `models` array if there is one (in its order), otherwise every exported model (in the alphabetical order of export names).
 * `shown` is how the file is named in messages: as the operator wrote it.
 */
export async function loadModels(file: string, shown = file): Promise<ModelDefinition[]> {
  const path = resolve(file);
  if (
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    throw new CliError(
      `the models file ${shown} does not exist (looked for ${path}).`,
      'Pass --models the path of a TS or JS module that exports models made with defineModel.',
    );
  const loading = TYPESCRIPT.test(file) ? importTypeScript(path) : import(pathToFileURL(path).href);
  const module = (await loading.catch((error: NodeJS.ErrnoException) => {
    // A .js file outside an ESM package is loaded as CommonJS, which cannot import the gateway's ES modules.
    if (error.code === 'ERR_REQUIRE_CYCLE_MODULE' || error.code === 'ERR_REQUIRE_ESM') {
      throw new CliError(
        `${shown} was loaded as CommonJS, which cannot import the gateway's ES modules.`,
        'Name it .mjs, or put a package.json with "type": "module" beside it.',
        1,
        { cause: error },
      );
    }
    throw new CliError(
      `the models file ${shown} failed to load: ${firstLine(error.message)}`,
      'Run again with --debug for the whole error and its stack.',
      1,
      {
        cause: error,
      },
    );
  })) as Record<string, unknown>;
  const listed = Array.isArray(module.models) ? module.models.filter(isModel) : [];
  const models = listed.length > 0 ? listed : Object.values(module).filter(isModel);
  if (models.length === 0)
    throw new CliError(`${shown} exports no models.`, 'Export them, or an array named "models", made with defineModel.');
  return [...new Set(models)];
}
