import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

const SPECS = 'test/**/*.test.ts';

/** Specs of Redis Cluster behaviour alone: they open the test cluster themselves. */
const CLUSTER_ONLY = ['test/cluster-*.test.ts', 'test/cli-cluster.test.ts', 'test/cli-migrate.test.ts'];

/**
 * Specs the cluster project leaves out, since its Redis would change nothing in them: they open no Redis
 * (pure rules, the schema, the frontend's exports), or they test what is built rather than where it
 * runs, or they start a redis-server of their own for what only one server shows (the CLI's embedded
 * Redis and its lifecycle, server-wide figures, killed and restarted servers), or they EVAL one script
 * on one node (lua-scripts). Every other spec runs twice.
 */
const MODE_FREE = [
  'test/lua-scripts/**',
  ...['test/cli.test.ts', 'test/cli-cleanup.test.ts', 'test/cli-lifecycle.test.ts', 'test/cli-workers.test.ts'],
  ...['test/atomicity.test.ts', 'test/finder-bounds.test.ts', 'test/redis-faults.test.ts'],
  ...['test/compiled-leaves.test.ts', 'test/compiled-variables.test.ts', 'test/cross-slot.test.ts', 'test/define-model.test.ts'],
  ...['test/fencing-token.test.ts', 'test/finder-cursor.test.ts', 'test/finder-plan.test.ts', 'test/frontend-exports.test.ts'],
  ...['test/key-slot.test.ts', 'test/keyspace.test.ts', 'test/listen.test.ts', 'test/lua-loader.test.ts', 'test/merge-pages.test.ts'],
  ...['test/new-pks.test.ts', 'test/read-check.test.ts', 'test/readme-rules.test.ts', 'test/reference-definition.test.ts'],
  ...['test/request-budget.test.ts', 'test/resend-write.test.ts', 'test/schema-snapshot.test.ts', 'test/script-keys.test.ts'],
  'test/variables-depth.test.ts',
  // The package's build and the README's own commands, written for one Redis, and the GraphiQL page in
  // Chromium (its tour's answers on a cluster are graphiql-tour's): the same whichever Redis is beside them.
  ...['test/package.test.ts', 'test/readme.test.ts', 'test/graphiql-browser.test.ts'],
];

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node, and so Yoga and Pothos, load the
    // CommonJS one; Vite would give our sources the ESM one, and two GraphQLError classes break error
    // masking. Point every import at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    // A spec file of a test cluster waits in beforeAll until one is free (test-cluster.ts).
    hookTimeout: 300_000,
    // One project per Redis the gateway runs on; each spec file learns its mode from openTestRedis().
    projects: [
      {
        extends: true,
        test: {
          name: 'standalone',
          include: [SPECS],
          exclude: CLUSTER_ONLY,
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      { extends: true, test: { name: 'cluster', include: [SPECS], exclude: MODE_FREE } },
    ],
  },
});
