import { lexicographicSortSchema, printSchema } from 'graphql';
import { parseArgs } from 'node:util';
import { buildSchema } from '../../schema/build-schema.js';
import { possibleTypes } from '../../schema/possible-types.js';
import { chooseModels, loadCheckedModels } from './choose-models.js';
import { GLOBAL_FLAGS, parsingFlags } from './parse-flags.js';

const SCHEMA_OPTIONS = {
  ...GLOBAL_FLAGS,
  models: { type: 'string' },
  'possible-types': { type: 'boolean' },
  relay: { type: 'boolean' },
} as const;

/** `schema`: the models' sorted SDL, or their possibleTypes as JSON, on stdout; starts nothing. */
export async function schema(argv: string[]): Promise<void> {
  const values = parsingFlags('schema', () => parseArgs({ args: argv, options: SCHEMA_OPTIONS }).values);
  const { schema: built, registry } = await loadCheckedModels(chooseModels(values.models, 'schema'));
  // As `serve --relay` serves it: what relay-compiler must be given.
  const sorted = lexicographicSortSchema(values.relay ? buildSchema(registry, { relay: true }) : built);
  process.stdout.write(values['possible-types'] ? `${JSON.stringify(possibleTypes(sorted), null, 2)}\n` : `${printSchema(sorted)}\n`);
}
