import { defineModel } from '../src/index.js';
import { BenchItem, FIELD_NAMES } from './bench-model.js';

/*
 * The gateway-only shapes of bench:nodes, on a model of their own so that BenchItem, and with it the
 * `nodes` path that bench:compare and bench:instructions measure, stays as it is. The same fields and
 * values as BenchItem, with `quantity` indexed ((i * 7) % 500: four items in five have 100 or more).
 */
export const BenchShapeItem = defineModel('BenchShapeItem', BenchItem.schema, { index: ['quantity'] });

export const SHAPE_IDS = ['finder', 'withLock'] as const;
export type ShapeId = (typeof SHAPE_IDS)[number];
export const isShapeId = (value: string): value is ShapeId => (SHAPE_IDS as readonly string[]).includes(value);

export const SHAPE_LABELS: Record<ShapeId, string> = {
  finder: 'finder, first page of 20 on an indexed field',
  withLock: 'withLock on one key, an inc',
};

const FINDER_QUERY = `query Page { allBenchShapeItems(where: { quantity: { gte: 100 } }, first: 20) { edges { node { key ${FIELD_NAMES.join(' ')} } } pageInfo { hasNextPage endCursor } } }`;
const LOCK_MUTATION = `mutation Inc($key: ID!) { withLock(key: $key, action: "bench", update: { benchShapeItem: { inc: { views: 1 } } }) { applied } }`;

/**
 * The request bodies of a shape. withLock gets one key per body, each connection going through them in
 * turn, so that the run measures the lock path rather than 32 callers queueing on one lock.
 */
export function shapeBodies(shape: ShapeId, count: number): string[] {
  if (shape === 'finder') return [JSON.stringify({ query: FINDER_QUERY })];
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ query: LOCK_MUTATION, variables: { key: `${BenchShapeItem.name}:${i}` } }),
  );
}

/** The one answer every request of a shape must get, when it is the same for all (a finder page is checked once, before timing). */
export function expectedAnswer(shape: ShapeId): string | undefined {
  return shape === 'withLock' ? JSON.stringify({ data: { withLock: { applied: true } } }) : undefined;
}

/** Whether an answer is the full work: a page of 20, or an applied update; anything else would flatter the gateway. */
export function isCompleteAnswer(shape: ShapeId, answer: unknown): boolean {
  const data = (answer as { data?: Record<string, unknown>; errors?: unknown }).data;
  if ((answer as { errors?: unknown }).errors !== undefined || !data) return false;
  if (shape === 'finder') return (data.allBenchShapeItems as { edges?: unknown[] } | undefined)?.edges?.length === 20;
  return (data.withLock as { applied?: boolean } | undefined)?.applied === true;
}
