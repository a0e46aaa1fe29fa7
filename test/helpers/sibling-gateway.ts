import { print } from 'graphql';
import type { Cluster, Redis } from 'ioredis';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/index.js';
import { models as shopModels } from '../../examples/shop.js';
import type { GraphQLErrorBody, TestGateway } from './test-gateway.js';

/**
 * A second gateway, with options of its own, over the Redis of `over` and the data it holds: for a spec
 * that compares configurations on the same documents. Opening another TestRedis instead would, on a
 * cluster, be the same cluster flushed (a spec file holds one). `close()` closes this gateway alone.
 */
export function openSiblingGateway(over: TestGateway, options: Partial<Omit<GatewayOptions<Redis | Cluster>, 'redis'>> = {}): TestGateway {
  const gateway: Gateway<Redis | Cluster> = createGateway({
    models: shopModels,
    logging: process.env.GATEWAY_TEST_LOGS === '1',
    ...options,
    redis: over.redis.client,
  });
  return {
    gateway,
    redis: over.redis,
    async execute(document, variables, headers = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: GraphQLErrorBody[] };
      return { status: response.status, data: body.data, errors: body.errors };
    },
    close: () => gateway.close(),
  };
}
