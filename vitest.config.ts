import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node, and so Yoga and Pothos, load the
    // CommonJS one; Vite would give our sources the ESM one, and two GraphQLError classes break error
    // masking. Point every import at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 30_000,
    // A spec file of the test cluster waits in beforeAll until the file before it is done (test-cluster.ts).
    hookTimeout: 300_000,
  },
});
