import { badUserInput, isGatewayError, queryTooExpensive, type GatewayError } from '../../errors.js';
import type { Condition } from '../../model/conditions.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { decodeDocument } from '../../model/document-codec.js';
import { formatKey } from '../../model/keys.js';
import type { ModelInstance } from '../../model/model-instance.js';
import type { GatewayScripts } from '../scripts.js';
import { decodeCursor, encodeCursor, type OrderKind } from './cursor.js';
import { indexKind } from './index-entries.js';
import { singleKeyspace } from '../keyspace.js';
import { compilePlan } from './plan.js';
import { PURGING, REFUSED } from './script-status.js';

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
  /** The work the script estimated before it ran (see docs/finders.md), for budgets over a whole request; 0 when not from an index. */
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

/** One script call: purge expired entries, select by the plan, order, page, fetch the page's documents. */
export async function findModels(
  scripts: GatewayScripts,
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
  const refresh = model.ttl !== null && model.refreshTtl ? model.ttl : 0;
  // Finders run on one Redis only (the session refuses them on a cluster): one index shard per model.
  const indexPrefix = singleKeyspace.indexPrefix(model.name, `${model.name}:`);
  const args = [
    indexPrefix,
    `${model.name}:`,
    singleKeyspace.temporaryPrefix(indexPrefix),
    JSON.stringify(compilePlan(model, options.where, limits.maxWhereDepth)),
    JSON.stringify([order.kind, order.field, order.direction]),
    cursor ? JSON.stringify(cursor) : '',
    String(first),
    options.withTotalCount ? '1' : '0',
    String(refresh),
    String(Math.min(limits.maxFinderWork, limits.finderWorkLeft ?? limits.maxFinderWork)),
  ];
  let reply: Array<string | number | null>;
  // Each call purges a bounded number of expired entries first; a larger backlog takes more calls.
  do reply = await scripts.find(args);
  while (reply[0] === PURGING);
  const [status, work, count, hasNext, ...rest] = reply;
  if (status === REFUSED) {
    const left = limits.finderWorkLeft ?? limits.maxFinderWork;
    if (left >= limits.maxFinderWork)
      throw queryTooExpensive(`This ${model.name} finder`, Number(work), limits.maxFinderWork, 'maxFinderWork');
    throw queryTooExpensive(
      `This ${model.name} finder, after the request's earlier pages (${left} of maxFinderWork ${limits.maxFinderWork} left),`,
      Number(work),
      left,
      'maxFinderWork',
      { maxFinderWork: limits.maxFinderWork },
    );
  }
  const edges: Edge[] = [];
  let lastCursor: string | null = null;
  for (let i = 0; i + 4 < rest.length; i += 5) {
    const [pk, document, phase, sortValue] = rest.slice(i, i + 4).map((part) => (part === null ? null : String(part)));
    const ttl = Number(rest[i + 4]);
    if (pk === null || pk === undefined) continue;
    lastCursor = encodeCursor(order.signature, [phase === 'n' ? 'n' : 'v', sortValue ?? pk, pk]);
    // A document gone behind the gateway's back has no edge, but the page still ends past it.
    if (document === null || document === undefined) continue;
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
      hasNextPage: hasNext === 1,
      hasPreviousPage: Boolean(options.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: lastCursor,
    },
    totalCount: typeof count === 'number' && count >= 0 ? count : null,
    work: Number(work),
  };
}

function orderOf(
  model: ModelDefinition,
  orderBy: OrderBy | null | undefined,
): { kind: OrderKind; field: string; direction: string; signature: string } {
  const direction = orderBy?.direction ?? 'ASC';
  if (direction !== 'ASC' && direction !== 'DESC') throw badUserInput(`direction is "${String(direction)}"; it must be ASC or DESC.`);
  if (!orderBy) return { kind: 'pk', field: '', direction, signature: `@pk ${direction}` };
  const field = model.indexed.find((candidate) => candidate.name === orderBy.field);
  if (!field)
    throw badUserInput(`${model.name} cannot be ordered by "${orderBy.field}": only by an indexed field.`, { field: orderBy.field });
  return { kind: indexKind(field), field: field.name, direction, signature: `${field.name} ${direction}` };
}
