import type { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { ModelDefinition } from './define-model.js';
import { findProtoRecordKey } from './record-keys.js';

/** Parses a model's input with its zod schema; the first issue becomes VALIDATION_FAILED naming the field. */
export function validateValue<S extends z.ZodObject>(model: ModelDefinition<S>, input: unknown, index?: number): z.output<S> {
  const protoKey = findProtoRecordKey(model.fields, input);
  if (protoKey) {
    throw validationFailed(model, index, [
      { path: protoKey, message: 'a record key may not be "__proto__", which JavaScript objects cannot hold safely' },
    ]);
  }
  const result = model.schema.safeParse(input);
  if (result.success) return result.data;
  throw validationFailed(
    model,
    index,
    result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
  );
}

function validationFailed(model: ModelDefinition, index: number | undefined, issues: Array<{ path: string[]; message: string }>) {
  const field = issues[0]?.path.join('.') ?? '';
  const where = index === undefined ? '' : `models[${index}] `;
  return new GatewayError(
    'VALIDATION_FAILED',
    `${where}${model.name}.${field || '(value)'} is invalid: ${issues[0]?.message ?? 'unknown issue'}.`,
    {
      model: model.name,
      field,
      ...(index === undefined ? {} : { index }),
      issues,
    },
  );
}
