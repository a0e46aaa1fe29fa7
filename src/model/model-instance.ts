import type { z } from 'zod';
import type { ModelDefinition } from './define-model.js';

/** A stored instance as read or written. */
export interface ModelInstance<S extends z.ZodObject = z.ZodObject> {
  readonly model: ModelDefinition<S>;
  readonly key: string;
  readonly pk: string;
  /** Seconds left after this read's refresh; null when the key has no TTL; undefined when it was not asked for. */
  readonly ttl: number | null | undefined;
  readonly value: z.output<S>;
}
