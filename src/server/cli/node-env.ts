/*
 * Imported first by the CLI, before anything loads graphql: graphql-js checks on every `instanceof` of
 * its types that they come from one copy of the module unless NODE_ENV is "production", and that check
 * was a large share of a request's CPU. The CLI runs the gateway it ships, one copy of graphql-js, so
 * it defaults NODE_ENV to production. The gateway's production mode (no introspection, suggestions or
 * GraphiQL) is another matter: the CLI turns it on only for --production or a NODE_ENV the caller set.
 */

/** NODE_ENV as the caller set it, before the CLI's default. */
export const callerNodeEnv = process.env.NODE_ENV;

process.env.NODE_ENV ??= 'production';
