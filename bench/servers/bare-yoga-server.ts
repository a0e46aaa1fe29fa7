import { createServer } from 'node:http';
import { SafeIntResolver } from 'graphql-scalars';
import { createSchema, createYoga } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { closeServer, listen } from './listen.js';
import type { RunningServer } from './running-server.js';

/*
 * Baseline (b): what a developer would write by hand for the same API. Same SDL types as the gateway's
 * (SafeInt included, so scalar serialisation costs the same), same Yoga options; one resolver, one
 * MGET, JSON.parse; no Pothos, no DataLoader, no zod.
 */
const typeDefs = /* GraphQL */ `
  scalar SafeInt
  enum BenchItemStatus {
    NEW
    ACTIVE
    RETIRED
  }
  interface Model {
    key: ID!
  }
  type BenchItem implements Model {
    key: ID!
    name: String!
    quantity: Int!
    price: Float!
    active: Boolean!
    status: BenchItemStatus!
    description: String!
    views: SafeInt!
  }
  type Query {
    nodes(keys: [ID!]!): [Model]!
  }
`;

/** Baseline (b) as a Yoga app over its own client: served over HTTP here, and in-process by in-process.bench.ts. */
export function createBareYoga(redis: Redis) {
  const schema = createSchema({
    typeDefs,
    resolvers: {
      SafeInt: SafeIntResolver,
      Model: { __resolveType: () => 'BenchItem' },
      Query: {
        nodes: async (_root: unknown, { keys }: { keys: string[] }) => {
          const documents = await redis.mget(keys);
          return documents.map((document, i) => (document === null ? null : { key: keys[i], ...(JSON.parse(document) as object) }));
        },
      },
    },
  });
  return createYoga({ schema, logging: false, graphiql: false });
}

export async function startBareYogaServer(redisUrl: string): Promise<RunningServer> {
  const redis = new Redis(redisUrl);
  const yoga = createBareYoga(redis);
  const server = createServer(yoga);
  const port = await listen(server);
  return {
    port,
    async close() {
      await closeServer(server);
      await redis.quit();
    },
  };
}
