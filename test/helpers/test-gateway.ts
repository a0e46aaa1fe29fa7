import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import type { Cluster, Redis } from 'ioredis';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/index.js';
import { models as shopModels } from '../../examples/shop.js';
import { openTestRedis, type TestRedis } from './redis.js';

export interface GraphQLErrorBody {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface Response<TData> {
  status: number;
  data: TData | null | undefined;
  errors: GraphQLErrorBody[] | undefined;
}

export interface TestGateway {
  gateway: Gateway<Redis | Cluster>;
  redis: TestRedis;
  /** Posts an operation to the Yoga app in-process, as a client would over HTTP. */
  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
    variables?: TVariables,
    headers?: Record<string, string>,
  ): Promise<Response<TData>>;
  close(): Promise<void>;
}

type TestGatewayOptions = Partial<Omit<GatewayOptions<Redis | Cluster>, 'redis'>>;

/** A gateway over its own Redis (a fresh database, or the cluster the spec file holds), on the demo shop unless told otherwise. */
export async function openTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const redis = await openTestRedis();
  return gatewayOver(redis, options, () => redis.close());
}

/**
 * A second gateway, with options of its own, over the Redis of `over` and the data it holds: for a spec
 * that compares configurations on the same documents. `close()` closes this gateway alone.
 */
export function openSiblingGateway(over: TestGateway, options: TestGatewayOptions = {}): TestGateway {
  return gatewayOver(over.redis, options, async () => {});
}

function gatewayOver(redis: TestRedis, options: TestGatewayOptions, closeRedis: () => Promise<void>): TestGateway {
  const gateway: Gateway<Redis | Cluster> = createGateway({
    models: shopModels,
    logging: process.env.GATEWAY_TEST_LOGS === '1',
    ...options,
    redis: redis.client,
  });
  return {
    gateway,
    redis,
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
    async close() {
      await gateway.close();
      await closeRedis();
    },
  };
}

/** The codes of a response's errors, by path, for assertions that read like the spec. */
export const errorCodes = (errors: GraphQLErrorBody[] | undefined) =>
  (errors ?? []).map((error) => ({ path: error.path?.join('.'), code: error.extensions?.code }));
