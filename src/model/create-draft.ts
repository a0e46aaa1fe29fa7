import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { badUserInput, GatewayError } from '../errors.js';
import type { Draft, ModelDefinition } from './define-model.js';
import { assertPk, formatKey } from './keys.js';
import { validateValue } from './validate.js';

export interface DraftOptions {
  /** The pk to store under; only for models without a key field. @default a new UUIDv7 */
  pk?: string | undefined;
  /** The input's position in a batch, named by every error so a client knows which input failed. */
  index?: number | undefined;
  /** Makes the pk when none is given and the model has no key field (the store's `newPks()`). @default a new UUIDv7 */
  newPk?: (() => string) | undefined;
}

/** Validates a model's input and gives it its pk: the key field's value, the given pk, or a new UUIDv7. */
export function createDraft<S extends z.ZodObject>(
  model: ModelDefinition<S>,
  input: unknown,
  { pk, index, newPk = () => uuidv7() }: DraftOptions = {},
): Draft<S> {
  const value = validateValue(model, input, index);
  const { keyField } = model;
  if (keyField !== null && pk !== undefined) {
    throw badUserInput(`${at(index)}Model "${model.name}" takes its pk from field "${keyField}"; do not pass a separate pk.`, { index });
  }
  const resolvedPk = keyField === null ? (pk ?? newPk()) : String((value as Record<string, unknown>)[keyField]);
  try {
    assertPk(model.name, resolvedPk);
  } catch (error) {
    if (error instanceof GatewayError && index !== undefined)
      throw new GatewayError(error.code, `${at(index)}${error.message}`, { ...error.details, index });
    throw error;
  }
  return { model, pk: resolvedPk, key: formatKey(model.name, resolvedPk), value };
}

const at = (index: number | undefined) => (index === undefined ? '' : `models[${index}]: `);
