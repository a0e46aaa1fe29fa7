import { randomBytes } from 'node:crypto';
import { badUserInput } from '../../errors.js';
import type { Condition } from '../../model/conditions.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { decodeDocument } from '../../model/document-codec.js';
import { formatKey } from '../../model/keys.js';
import type { ModelInstance } from '../../model/model-instance.js';
import type { GatewayScripts } from '../scripts.js';
import { indexKind } from './index-entries.js';
import { indexPrefix } from './index-keys.js';
import { compilePlan } from './plan.js';

export interface OrderBy {
  /** An indexed field; ties are broken by pk. */
  field: string;
  direction?: 'ASC' | 'DESC';
}

export interface FindOptions {
  where?: Condition | null;
  /** @default by pk, ascending: creation order with UUIDv7 pks */
  orderBy?: OrderBy | null;
  /** @default 50 (0 to 1000) */
  first?: number;
  after?: string | null;
  /** Count every match: costs a pass over the matching set, see docs/finders.md. @default false */
  withTotalCount?: boolean;
}

export interface Edge {
  cursor: string;
  node: ModelInstance;
}

export interface Page {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
}

export const FIRST = { default: 50, min: 0, max: 1000 };

/** One script call: purge expired entries, select by the plan, order, page, fetch the page's documents. */
export async function findModels(scripts: GatewayScripts, model: ModelDefinition, options: FindOptions = {}): Promise<Page> {
  const first = options.first ?? FIRST.default;
  if (!Number.isInteger(first) || first < FIRST.min || first > FIRST.max) {
    throw badUserInput(`first is ${first}; it must be a whole number from ${FIRST.min} to ${FIRST.max}.`, { first });
  }
  const order = orderOf(model, options.orderBy);
  const cursor = options.after ? decodeCursor(options.after, order.signature, order.kind) : null;
  const refresh = model.ttl !== null && model.refreshTtl ? model.ttl : 0;
  const reply = await scripts.find([
    indexPrefix(model.name),
    `${model.name}:`,
    `rmg:tmp:${randomBytes(8).toString('hex')}:`,
    JSON.stringify(compilePlan(model, options.where)),
    JSON.stringify([order.kind, order.field, order.direction]),
    cursor ? JSON.stringify(cursor) : '',
    String(first),
    options.withTotalCount ? '1' : '0',
    String(refresh),
  ]);
  const [count, hasNext, ...rest] = reply;
  const edges: Edge[] = [];
  let lastCursor: string | null = null;
  for (let i = 0; i + 4 < rest.length; i += 5) {
    const [pk, document, phase, sortValue] = rest.slice(i, i + 4).map((part) => (part === null ? null : String(part)));
    const ttl = Number(rest[i + 4]);
    if (pk === null || pk === undefined) continue;
    lastCursor = encodeCursor(order.signature, [phase ?? 'v', sortValue ?? pk, pk]);
    // A document gone behind the gateway's back has no edge, but the page still ends past it.
    if (document === null || document === undefined) continue;
    const key = formatKey(model.name, pk);
    const value = decodeDocument(model, key, document) as ModelInstance['value'];
    edges.push({ cursor: lastCursor, node: { model, key, pk, ttl: ttl >= 0 ? ttl : null, value } });
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
  };
}

function orderOf(model: ModelDefinition, orderBy: OrderBy | null | undefined) {
  const direction = orderBy?.direction ?? 'ASC';
  if (!orderBy) return { kind: 'pk', field: '', direction, signature: `@pk ${direction}` };
  const field = model.indexed.find((candidate) => candidate.name === orderBy.field);
  if (!field)
    throw badUserInput(`${model.name} cannot be ordered by "${orderBy.field}": only by an indexed field.`, { field: orderBy.field });
  return { kind: indexKind(field), field: field.name, direction, signature: `${field.name} ${direction}` };
}

type CursorPosition = [phase: string, sortValue: string, pk: string];

/** Opaque to clients; it records the ordering it belongs to, so that it is not used with another. */
const encodeCursor = (signature: string, position: CursorPosition) =>
  Buffer.from(JSON.stringify([signature, ...position])).toString('base64url');

function decodeCursor(cursor: string, signature: string, kind: string): CursorPosition {
  try {
    const [owner, phase, sortValue, pk] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const wellFormed =
      owner === signature &&
      (phase === 'v' || phase === 'n') &&
      typeof sortValue === 'string' &&
      typeof pk === 'string' &&
      (kind !== 'score' || phase !== 'v' || Number.isFinite(Number(sortValue)));
    if (wellFormed) return [phase, sortValue, pk];
  } catch {
    // fall through
  }
  throw badUserInput('after is not a cursor of this ordering: pass an endCursor from the same query, with the same orderBy.', {
    after: cursor,
  });
}
