import { fieldsFor, type Update } from '../model/apply-update.js';
import type { ModelDefinition } from '../model/define-model.js';
import type { FieldDescription } from '../model/field-description.js';
import { inputMemberName } from '../model/generated-names.js';
import type { Registry } from '../model/registry.js';
import type { Builder } from './builder.js';
import { inputFieldValue } from './input-to-value.js';
import { SCALAR_TYPE_NAMES, TypeRefs } from './type-refs.js';

const OPERATIONS = {
  set: { suffix: 'Set', description: 'New values; null makes a nullable field null.' },
  inc: { suffix: 'Inc', description: 'Amounts to add to numeric fields.' },
  append: { suffix: 'Append', description: 'Items to add at the end of list fields.' },
  remove: { suffix: 'Remove', description: 'Items to take out of list fields, every occurrence.' },
  merge: { suffix: 'Merge', description: 'Entries to add to record fields (shallow).' },
  unset: { suffix: 'Unset', description: 'Keys to delete from record fields.' },
} as const;
type Operation = keyof typeof OPERATIONS;

/**
 * `<Model>Set`, `Inc`, `Append`, `Remove`, `Merge`, `Unset` (each only when the model has fields it
 * applies to), `<Model>Update` over them, and `ModelUpdate @oneOf`. Returns null when no model can be updated.
 */
export function addUpdateInputs(builder: Builder, registry: Registry, refs: TypeRefs) {
  const updates = new Map<string, unknown>();
  for (const model of registry.models) {
    const parts = (Object.keys(OPERATIONS) as Operation[])
      .map((operation) => ({ operation, fields: fieldsFor(model, operation) }))
      .filter((part) => part.fields.length > 0)
      .map(({ operation, fields }) => ({
        operation,
        ref: builder.inputType(`${model.name}${OPERATIONS[operation].suffix}`, {
          description: OPERATIONS[operation].description,
          fields: (t) =>
            Object.fromEntries(
              fields.map((field) => [
                field.name,
                t.field({ type: operandType(refs, operation, field), required: operandRequired(field) } as never),
              ]),
            ) as Record<string, never>,
        }),
      }));
    if (parts.length === 0) continue;
    updates.set(
      model.name,
      builder.inputType(`${model.name}Update`, {
        description: `Changes to a ${model.name}, applied to the document as stored in the order set, inc, append, remove, merge, unset.`,
        fields: (t) =>
          Object.fromEntries(parts.map(({ operation, ref }) => [operation, t.field({ type: ref as never })])) as Record<string, never>,
      }),
    );
  }
  if (updates.size === 0) return null;
  return builder.inputType('ModelUpdate', {
    isOneOf: true,
    description: "An update of the key's model: set the member named after it.",
    fields: (t) =>
      Object.fromEntries([...updates].map(([name, ref]) => [inputMemberName(name), t.field({ type: ref as never })])) as Record<
        string,
        never
      >,
  });
}

function operandType(refs: TypeRefs, operation: Operation, field: FieldDescription): unknown {
  if (operation === 'merge') return 'JSON';
  if (operation === 'unset') return ['String'];
  if (operation === 'inc') return SCALAR_TYPE_NAMES[field.type.kind as 'int' | 'safeInt' | 'float'];
  return refs.input(field.type);
}

const operandRequired = (field: FieldDescription) =>
  field.type.kind === 'list' ? { list: false, items: !field.type.itemsNullable } : false;

/** The model-level update from a `<Model>Update` input: nested input objects take zod's shape of absent and null. */
export function toUpdate(model: ModelDefinition, input: Record<string, Record<string, unknown> | null | undefined>): Update {
  const update: Update = {};
  for (const [operation, operands] of Object.entries(input)) {
    if (!operands) continue;
    const converted: Record<string, unknown> = {};
    for (const [name, operand] of Object.entries(operands)) {
      const field = model.fields.find((candidate) => candidate.name === name);
      if (operand === undefined || !field) continue;
      converted[name] =
        operation === 'set' || operation === 'append' || operation === 'remove'
          ? inputFieldValue(field, operand, operation !== 'set')
          : operand;
    }
    (update as Record<string, unknown>)[operation] = converted;
  }
  return update;
}
