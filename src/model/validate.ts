import type { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { ModelDefinition } from './define-model.js';

/** Parses a model's input with its zod schema; the first issue becomes VALIDATION_FAILED naming the field. */
export function validateValue<S extends z.ZodObject>(model: ModelDefinition<S>, input: unknown, index?: number): z.output<S> {
  const result = model.schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const where = index === undefined ? '' : `models[${index}] `;
  throw new GatewayError('VALIDATION_FAILED', `${where}${model.name}.${field || '(value)'} is invalid: ${issue?.message ?? 'unknown issue'}.`, {
    model: model.name,
    field,
    ...(index === undefined ? {} : { index }),
    issues: result.error.issues.map((each) => ({ path: each.path.map(String), message: each.message })),
  });
}
