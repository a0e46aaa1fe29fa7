import { SafeIntResolver } from 'graphql-scalars';
import { createSchema } from 'graphql-yoga';
import type { Redis } from 'ioredis';

/*
 * The schema a developer would write by hand for the same API. Same SDL types as the gateway's
 * (SafeInt included, so scalar serialisation costs the same), a resolver for `nodes` (one MGET) and one
 * for `node` (one GET), JSON.parse; no Pothos, no DataLoader, no zod.
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
    node(key: ID!): Model
  }
`;

/** The hand-written schema both bare GraphQL baselines serve, (b) through Yoga and (c) through graphql-jit. */
export function createBareSchema(redis: Redis) {
  return createSchema({
    typeDefs,
    resolvers: {
      SafeInt: SafeIntResolver,
      Model: { __resolveType: () => 'BenchItem' },
      Query: {
        nodes: async (_root: unknown, { keys }: { keys: string[] }) => {
          const documents = await redis.mget(keys);
          return documents.map((document, i) => (document === null ? null : { key: keys[i], ...(JSON.parse(document) as object) }));
        },
        node: async (_root: unknown, { key }: { key: string }) => {
          const document = await redis.get(key);
          return document === null ? null : { key, ...(JSON.parse(document) as object) };
        },
      },
    },
  });
}
