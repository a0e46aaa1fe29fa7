import { z } from 'zod';
import { defineModel } from '../src/index.js';

/** Seven fields of the common kinds, no TTL: reads are a plain MGET, the path the benchmark measures. */
export const BenchItem = defineModel(
  'BenchItem',
  z.object({
    name: z.string().min(1),
    quantity: z.int32().min(0),
    price: z.number().nonnegative(),
    active: z.boolean(),
    status: z.enum(['NEW', 'ACTIVE', 'RETIRED']),
    description: z.string(),
    views: z.int().min(0),
  }),
);

export const FIELD_NAMES = Object.keys(BenchItem.schema.shape);

/** Deterministic, so that every run stores (and every system serves) the same bytes. */
export function benchValue(i: number) {
  return {
    name: `item-${i}`,
    quantity: (i * 7) % 500,
    price: Math.round(i * 1.37 * 100) / 100 + 0.25,
    active: i % 3 !== 0,
    status: (['NEW', 'ACTIVE', 'RETIRED'] as const)[i % 3] ?? 'NEW',
    description: `A benchmark item, number ${i}, with a sentence of text.`,
    views: i * 1009,
  };
}

export const benchPk = (i: number) => String(i);
export const benchKey = (i: number) => `${BenchItem.name}:${benchPk(i)}`;

/** `key` and every field, in the model's field order: the bare baselines answer in that order too. */
export const NODES_QUERY = `query Nodes($keys: [ID!]!) { nodes(keys: $keys) { key ... on BenchItem { ${FIELD_NAMES.join(' ')} } } }`;

/** The request body for these keys: the bare HTTP server reads only `variables.keys`. */
export const nodesBodyOf = (keys: readonly string[]) => JSON.stringify({ query: NODES_QUERY, variables: { keys } });

/** One key, the same selection as NODES_QUERY: the node(key) row of bench:nodes; the bare baselines serve a `node` field too. */
export const NODE_QUERY = `query Node($key: ID!) { node(key: $key) { key ... on BenchItem { ${FIELD_NAMES.join(' ')} } } }`;

/** The request body for one key: the bare HTTP server reads only `variables.key`. */
export const nodeBodyOf = (key: string) => JSON.stringify({ query: NODE_QUERY, variables: { key } });

/** The one request body every system gets for `size` keys: the first `size` items. */
export const nodesBody = (size: number) => nodesBodyOf(Array.from({ length: size }, (_, i) => benchKey(i)));
