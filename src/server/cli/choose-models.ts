import type { GraphQLSchema } from 'graphql';
import { isGatewayError } from '../../errors.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { createRegistry, type Registry } from '../../model/registry.js';
import { buildSchema } from '../../schema/build-schema.js';
import { CliError, UsageError } from './cli-error.js';
import { loadModels } from './load-models.js';
import { DEMO_MODELS_FILE } from './package-root.js';

/** `--models demo` names the demo shop (examples/shop.ts) explicitly; a file named demo is `./demo`. */
export const DEMO = 'demo';

export interface ModelsChoice {
  /** What to import. */
  file: string;
  /** How to name it back to the operator, and in commands the CLI suggests: `demo` or the path as given. */
  flag: string;
}

export interface CheckedModels {
  models: ModelDefinition[];
  registry: Registry;
  schema: GraphQLSchema;
}

/**
 * The models a command works on. `serve` and `schema` default to the demo shop, so that a first
 * `npm start` shows something; `reindex` and `migrate` write into the Redis they are given, so they never
 * guess: without --models they refuse.
 */
export function chooseModels(given: string | undefined, command: 'serve' | 'reindex' | 'migrate' | 'schema'): ModelsChoice {
  if (given === undefined && (command === 'reindex' || command === 'migrate'))
    throw new UsageError(
      `${command} needs --models: it ${command === 'reindex' ? 'rewrites the indexes of' : 'copies the documents of'} the models it is given, in the Redis it is given.`,
      `Name your models file (redis-model-gateway ${command} --models models.ts), or --models demo for the demo shop.`,
    );
  if (given === undefined || given === DEMO) return { file: DEMO_MODELS_FILE, flag: DEMO };
  return { file: given, flag: given };
}

/** Loads the models and builds their registry and schema, so that a bad model fails before anything starts. */
export async function loadCheckedModels(choice: ModelsChoice): Promise<CheckedModels> {
  const models = await loadModels(choice.file, choice.flag === DEMO ? 'the demo shop' : choice.flag);
  try {
    const registry = createRegistry(models);
    return { models, registry, schema: buildSchema(registry) };
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    throw new CliError(
      `the models in ${choice.flag} are invalid: ${error.message}`,
      `Check them without starting anything: redis-model-gateway schema --models ${choice.flag}`,
      1,
      { cause: error },
    );
  }
}

/** The models a command works on: the one `name` (its --model) names, or every one; a name the models lack is a usage error. */
export function pickModels(registry: Registry, name: string | undefined, choice: ModelsChoice): ModelDefinition[] {
  const all = registry.models;
  const chosen = name ? all.filter((model) => model.name === name) : all;
  if (chosen.length === 0)
    throw new UsageError(`${choice.flag} has no model named "${name}".`, `Its models are ${all.map((model) => model.name).join(', ')}.`);
  return [...chosen];
}
