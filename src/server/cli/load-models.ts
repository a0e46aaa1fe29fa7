import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelDefinition } from '../../model/define-model.js';
import { CliError } from './cli-error.js';

/** What tsx compiles; JavaScript files are imported as they are. */
const TYPESCRIPT = /\.[cm]?tsx?$/;
let tsxRegistered = false;

/**
 * The CLI runs as compiled JavaScript; a TypeScript models file needs tsx's loader first. It is registered
 * for the whole process, not scoped to this import, so that the models file and the CLI share one copy of
 * each module they both import (the gateway, zod), as they must for the models to be recognised.
 */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

const isModel = (value: unknown): value is ModelDefinition =>
  typeof value === 'object' && value !== null && 'schema' in value && 'fields' in value && 'name' in value && 'create' in value;

const firstLine = (text: string) => text.split('\n', 1)[0] ?? '';

/**
 * Imports a models module (TypeScript too, through tsx) and collects what it exports:
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
  if (TYPESCRIPT.test(file)) await registerTsx();
  const module = (await import(pathToFileURL(path).href).catch((error: NodeJS.ErrnoException) => {
    // A .ts file outside an ESM package is loaded as CommonJS, which cannot import the gateway's ES modules.
    if (error.code === 'ERR_REQUIRE_CYCLE_MODULE' || error.code === 'ERR_REQUIRE_ESM') {
      throw new CliError(
        `${shown} was loaded as CommonJS, which cannot import the gateway's ES modules.`,
        'Name it .mts, or put a package.json with "type": "module" beside it.',
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
