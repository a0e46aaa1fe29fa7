import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createGateway } from './create-gateway.js';
import { RedisServerMissingError, startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { loadModels } from './load-models.js';

const USAGE = `Usage: redis-model-gateway serve [--models file.ts] [--redis URL] [--port 4000] [--host 127.0.0.1] [--write-token TOKEN] [--data-dir ./.data/redis]

  --models       a TS or JS module exporting models (default: the demo shop in examples/shop.ts)
  --redis        Redis to use (default: $REDIS_URL, else an embedded redis-server on a free port)
  --write-token  mutations then need "Authorization: Bearer TOKEN" (default: $GATEWAY_WRITE_TOKEN)`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string' },
      redis: { type: 'string' },
      port: { type: 'string', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'write-token': { type: 'string' },
      'data-dir': { type: 'string', default: './.data/redis' },
    },
  });
  const models = await loadModels(values.models ?? new URL('../../examples/shop.ts', import.meta.url).pathname);

  let embedded: EmbeddedRedis | undefined;
  let url = values.redis ?? process.env.REDIS_URL;
  if (!url) {
    embedded = await startEmbeddedRedis({ dir: values['data-dir'] });
    url = embedded.url;
    console.log(`embedded redis-server on ${url}, data in ${values['data-dir']}`);
  }
  const gateway = createGateway({ models, redis: url, writeToken: values['write-token'] });
  const server = createServer(gateway.yoga);
  server.listen(Number(values.port), values.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : values.port;
    console.log(`redis-model-gateway serving ${models.map((model) => model.name).join(', ')} at http://${values.host}:${port}/graphql`);
  });

  const shutdown = async () => {
    server.close();
    await gateway.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'serve') return serve(rest);
  console.log(USAGE);
  process.exitCode = command === undefined || command === '--help' ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof RedisServerMissingError ? error.message : error);
  process.exit(1);
});
