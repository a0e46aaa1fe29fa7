import type { CodegenConfig } from '@graphql-codegen/cli';
import { codegenScalars } from './src/schema/codegen-scalars.js';

// Typed documents for the operations under test/operations, checked against the printed demo schema.
// Run `npm run codegen` after changing an operation or the schema; a test fails when the output is stale.
// The scalars are the mapping the package exports, as a user's own codegen config would import it.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'test/operations/**/*.graphql',
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: codegenScalars,
      },
    },
  },
  hooks: { afterOneFileWrite: [] },
};

export default config;
