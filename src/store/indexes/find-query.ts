import type { ModelDefinition } from '../../model/define-model.js';
import type { OrderKind } from './cursor.js';

/** One finder page as the scripts take it, compiled and encoded once: for one Redis or a cluster. */
export interface FindQuery {
  model: ModelDefinition;
  /** The plan as JSON (plan.ts). */
  plan: string;
  /** The order as JSON: [kind, field, direction]. */
  order: string;
  kind: OrderKind;
  direction: 'ASC' | 'DESC';
  /** The cursor's position as JSON, or "". */
  cursor: string;
  first: number;
  count: boolean;
  /** Seconds to refresh the page's TTLs to; 0 leaves them. */
  refresh: number;
  /** The most work the page may make Redis do. */
  limit: number;
}
