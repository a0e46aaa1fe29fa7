import { badUserInput, isGatewayError, queryTooExpensive, type GatewayError } from '../../errors.js';
import type { Condition } from '../../model/conditions.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { decodeDocument } from '../../model/document-codec.js';
import { formatKey } from '../../model/keys.js';
import type { ModelInstance } from '../../model/model-instance.js';
import { findOnCluster } from '../cluster/find-on-cluster.js';
import { singleKeyspace } from '../keyspace.js';
import { isCluster, type RedisClient } from '../redis-client.js';
import type { GatewayScripts } from '../scripts.js';
import { decodeCursor, encodeCursor, type OrderKind } from './cursor.js';
import type { FindQuery } from './find-query.js';
import { foundItemsOf, type FoundItems } from './found-items.js';
import { indexKind } from './index-entries.js';
import { compilePlan } from './plan.js';
import { PURGING } from './script-status.js';

export interface OrderBy {
  /** An indexed field; ties are broken by pk. */
  field: string;
  direction?: 'ASC' | 'DESC' | undefined;
}

export interface FindOptions {
  where?: Condition | null | undefined;
  /** @default by pk, ascending: creation order with UUIDv7 pks */
  orderBy?: OrderBy | null | undefined;
  /** @default 50 (0 to 1000) */
  first?: number | undefined;
  after?: string | null | undefined;
  /** Count every match: costs a pass over the matching set, see docs/finders.md. @default false */
  withTotalCount?: boolean | undefined;
}

/**
 * One match of a page. A document that no longer decodes (CORRUPT_VALUE: not JSON, or no longer valid
 * for its model) is an edge with `node: null` and the error, in its place with its cursor, so that one
 * bad document neither hides the others nor shifts the page.
 */
export type Edge = { cursor: string; node: ModelInstance; error?: undefined } | { cursor: string; node: null; error: GatewayError };

export interface Page {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
  /** The work the page cost as the script counts it (see docs/finders.md): its estimate, or what a walk of `@pk` spent; for budgets over a whole request. */
  work: number;
}

/** The finder limits of StoreLimits. */
export interface FinderLimits {
  /** Most estimated work one finder or delete step may make Redis do. */
  maxFinderWork: number;
  /** Deepest nesting of and, or and not in a where. */
  maxWhereDepth: number;
  /** What the request's earlier pages left of maxFinderWork. @default maxFinderWork */
  finderWorkLeft?: number | undefined;
}

export const FIRST = { default: 50, min: 0, max: 1000 };

/**
 * One page: on one Redis one script call (purge expired entries, select by the plan, order, page, fetch
 * the page's documents); on a cluster the same over every node's shards, merged (find-on-cluster.ts).
 */
export async function findModels(
  scripts: GatewayScripts,
  redis: RedisClient,
  model: ModelDefinition,
  options: FindOptions,
  limits: FinderLimits,
): Promise<Page> {
  const first = options.first ?? FIRST.default;
  if (!Number.isInteger(first) || first < FIRST.min || first > FIRST.max) {
    throw badUserInput(`first is ${first}; it must be a whole number from ${FIRST.min} to ${FIRST.max}.`, { first });
  }
  const order = orderOf(model, options.orderBy);
  const cursor = options.after ? decodeCursor(options.after, order.signature, order.kind) : null;
  const query: FindQuery = {
    model,
    plan: JSON.stringify(compilePlan(model, options.where, limits.maxWhereDepth)),
    order: JSON.stringify([order.kind, order.field, order.direction]),
    kind: order.kind,
    direction: order.direction,
    cursor: cursor ? JSON.stringify(cursor) : '',
    first,
    count: Boolean(options.withTotalCount),
    refresh: model.ttl !== null && model.refreshTtl ? model.ttl : 0,
    limit: Math.min(limits.maxFinderWork, limits.finderWorkLeft ?? limits.maxFinderWork),
  };
  const found = isCluster(redis) ? await findOnCluster(redis, scripts, query) : await findOnOneRedis(scripts, query);
  if (found.refused) {
    const left = limits.finderWorkLeft ?? limits.maxFinderWork;
    if (left >= limits.maxFinderWork)
      throw queryTooExpensive(`This ${model.name} finder`, found.work, limits.maxFinderWork, 'maxFinderWork');
    throw queryTooExpensive(
      `This ${model.name} finder, after the request's earlier pages (${left} of maxFinderWork ${limits.maxFinderWork} left),`,
      found.work,
      left,
      'maxFinderWork',
      { maxFinderWork: limits.maxFinderWork },
    );
  }
  const edges: Edge[] = [];
  let lastCursor: string | null = null;
  for (const { pk, document, phase, sortValue, ttl } of found.items) {
    lastCursor = encodeCursor(order.signature, [phase, sortValue, pk]);
    // A document gone behind the gateway's back has no edge, but the page still ends past it.
    if (document === null) continue;
    const key = formatKey(model.name, pk);
    try {
      const value = decodeDocument(model, key, document) as ModelInstance['value'];
      edges.push({ cursor: lastCursor, node: { model, key, pk, ttl: ttl >= 0 ? ttl : null, value } });
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      edges.push({ cursor: lastCursor, node: null, error });
    }
  }
  return {
    edges,
    pageInfo: {
      hasNextPage: found.hasNextPage,
      hasPreviousPage: Boolean(options.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: lastCursor,
    },
    totalCount: found.count,
    work: found.work,
  };
}

/** One Redis keeps one index shard per model: one call of find.lua. */
async function findOnOneRedis(scripts: GatewayScripts, query: FindQuery): Promise<FoundItems> {
  const indexPrefix = singleKeyspace.indexPrefix(query.model.name, `${query.model.name}:`);
  const args = [
    indexPrefix,
    `${query.model.name}:`,
    singleKeyspace.temporaryPrefix(indexPrefix),
    query.plan,
    query.order,
    query.cursor,
    String(query.first),
    query.count ? '1' : '0',
    String(query.refresh),
    String(query.limit),
  ];
  let reply: Array<string | number | null>;
  // Each call purges a bounded number of expired entries first; a larger backlog takes more calls.
  do reply = await scripts.find(args);
  while (reply[0] === PURGING);
  return foundItemsOf(reply);
}

function orderOf(
  model: ModelDefinition,
  orderBy: OrderBy | null | undefined,
): { kind: OrderKind; field: string; direction: 'ASC' | 'DESC'; signature: string } {
  const direction = orderBy?.direction ?? 'ASC';
  if (direction !== 'ASC' && direction !== 'DESC') throw badUserInput(`direction is "${String(direction)}"; it must be ASC or DESC.`);
  if (!orderBy) return { kind: 'pk', field: '', direction, signature: `@pk ${direction}` };
  const field = model.indexed.find((candidate) => candidate.name === orderBy.field);
  if (!field)
    throw badUserInput(`${model.name} cannot be ordered by "${orderBy.field}": only by an indexed field.`, { field: orderBy.field });
  return { kind: indexKind(field), field: field.name, direction, signature: `${field.name} ${direction}` };
}
