import { DEFAULT_REDIS_TIMEOUT_MS } from '../redis-timeout.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../graceful-close.js';

const OVERVIEW = `Usage: redis-model-gateway <command> [flags]

Commands:
  serve     serve the models over GraphQL (default models: the demo shop)
  reindex   rebuild the finders' indexes of the models from their documents (needs --models)
  migrate   copy the documents of the models from one Redis to a Redis Cluster, and index them there
  schema    print the GraphQL schema of the models, or the possibleTypes of its interfaces and unions

  redis-model-gateway <command> --help   the flags of a command
  redis-model-gateway --version          the version

Every command takes --debug: errors then print their stack. Exit codes: 0 done, 1 failed, 2 called wrongly.
See docs/cli.md.`;

const MODELS = `  --models              a TS or JS module exporting models made with defineModel; "demo" names the demo shop
                        (examples/shop.ts)`;

/** The Redis flags, with where the command looks when no flag or variable names a Redis. */
const redisFlags = (otherwise: string) => `  --redis               Redis to use (default: $REDIS_URL; else ${otherwise})
  --redis-cluster       a Redis Cluster to use instead: some of its nodes as host:port[,host:port...]
                        (default: $REDIS_CLUSTER_NODES). Not with --redis; no embedded redis-server then
  --data-dir            the embedded redis-server's directory (default: ./.data/redis). One process at a time
                        holds it (the lock file gateway.lock names it); a second one refuses
  --redis-timeout-ms    a Redis command, connection attempt or /ready ping that takes longer fails (default: ${DEFAULT_REDIS_TIMEOUT_MS})`;

const SERVE = `Usage: redis-model-gateway serve [flags]

Loads and checks the models, binds the port, then starts the embedded redis-server (unless --redis,
--redis-cluster or their variables name a Redis), and serves GraphQL at http://HOST:PORT/graphql.

${MODELS} (default: the demo shop)
${redisFlags('an embedded redis-server on a free port,\n                        keeping its data in --data-dir')}
  --write-concern       what a write waits for when its mutation names none: primary, or replica (WAIT for one
                        replica up to half --redis-timeout-ms, else NOT_REPLICATED); see docs/cluster.md (default: primary)
  --port                the port (default: $PORT, else 4000; 0 picks a free one)
  --host                the address to listen on (default: $HOST, else 127.0.0.1)
  --write-token-file    a file holding the write token, a key with every scope sent as "Authorization: Bearer TOKEN"
                        (default: $GATEWAY_WRITE_TOKEN_FILE; else $GATEWAY_WRITE_TOKEN)
  --write-token         the write token itself; it then shows in ps: prefer the file or the environment
  --api-keys-file       a JSON file: [{ "key" or "sha256", "scopes": ["read", "write", "lock", "admin"], "models"?: [...] }]
                        or { "apiKeys": [...], "anonymous": [...] } (default: $GATEWAY_API_KEYS_FILE)
  --anonymous           scopes of callers without a key once a key is configured, comma-separated (default: none)
                        With no key and no write token at all, everyone may do everything, and serve warns.
  --cors-origin         an origin whose pages may call the gateway from a browser; repeat for more (default: none)
  --production          no introspection, no "Did you mean" suggestions, no GraphiQL (default: NODE_ENV=production)
  --introspection, --suggestions, --graphiql
                        turn that one back on in production
  --relay               serve Relay's node(id: ID!) and nodes(ids: [ID!]!) in place of node(key:) and nodes(keys:)
  --max-keys 1000 --max-cost 5000 --max-insert 1000 --max-document-bytes 524288 --max-body-bytes 1000000
  --max-tokens 1000 --max-depth 12 --max-aliases 30 --max-directives 50 --max-variables-depth 100
  --parse-cache-bytes 32000000 --parse-cache-entries 1000 --max-finder-work 20000 --max-where-depth 12 --delete-step 500
                        limits, defaults shown; see docs/security.md. --max-finder-work bounds what one finder page or
                        delete step makes Redis do, as the script estimates it (about 50 ms at 100k instances);
                        --delete-step is how many instances one step of a delete by where deletes
  --shutdown-timeout-ms on SIGTERM or SIGINT, how long requests in flight may take to finish before they are cut
                        off and the gateway exits (default: ${DEFAULT_SHUTDOWN_TIMEOUT_MS})
  --log-level           fatal, error, warn, info, debug, trace or silent: JSON lines on stdout, each request
                        with its id: at info those that failed, at debug every one (default: info)
  --access-log          log every GraphQL request at info, not only those that failed
  --metrics             serve Prometheus metrics at /metrics on the same port (default: off; anyone who can reach
                        the port can read them)
  --workers             how many processes answer HTTP on the port, taking connections in turn: serve's own and
                        N - 1 it forks (default: one per CPU; with --metrics, 1, since each process counts in a
                        registry of its own and /metrics answers from one)
  --debug               print errors with their stack

If the embedded redis-server or a worker exits while serve runs, serve exits with code 1: let a supervisor restart it.`;

const REINDEX = `Usage: redis-model-gateway reindex --models FILE [--model NAME] [flags]

Rebuilds the finders' indexes of the models from their documents. Documents that no longer decode with
the model are taken out of the indexes and listed by key; they stay stored. Safe while serve runs.

${MODELS} (required)
  --model               reindex only this model (default: every model)
${redisFlags('the redis-server of the serve running on\n                        --data-dir; else an embedded one of its own')}
  --debug               print errors with their stack`;

const SCHEMA = `Usage: redis-model-gateway schema [--models FILE] [--possible-types] [--relay]

Prints the GraphQL schema of the models, sorted (SDL), without starting anything: for codegen, for review,
or to check the models.

${MODELS} (default: the demo shop)
  --possible-types      print instead the JSON object that Apollo Client's InMemoryCache and urql's graphcache
                        take as possibleTypes: each interface and union with its object types
  --relay               the schema as serve --relay serves it, with Relay's node(id:) and nodes(ids:): the one
                        to give relay-compiler
  --debug               print errors with their stack`;

const MIGRATE = `Usage: redis-model-gateway migrate --models FILE --from URL --redis-cluster NODES [--model NAME] [flags]

Copies the documents of the models from one Redis to a Redis Cluster, with their TTLs (DUMP and RESTORE),
then rebuilds their indexes on the cluster. The gateway's own keys (rmg:...) are not copied: their layout
on one Redis is not the cluster's. A key the cluster holds already is left as it is, and listed; run it
again to copy what was written since.

${MODELS} (required)
  --model               migrate only this model (default: every model)
  --from                the Redis to copy from, by URL (redis://host:port[/db])
  --redis-cluster       the Redis Cluster to copy to: some of its nodes as host:port[,host:port...]
                        (default: $REDIS_CLUSTER_NODES)
  --redis-timeout-ms    a Redis command or connection attempt that takes longer fails (default: ${DEFAULT_REDIS_TIMEOUT_MS})
  --debug               print errors with their stack`;

export const HELP: Record<string, string> = { serve: SERVE, reindex: REINDEX, migrate: MIGRATE, schema: SCHEMA };

/** The help of a command; without one, the overview followed by every command's help, so that one page lists every flag. */
export const helpOf = (command: string | undefined): string =>
  (command && HELP[command]) || [OVERVIEW, ...Object.values(HELP)].join('\n\n\n');
