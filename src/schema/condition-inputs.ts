import { filterableFields } from '../model/conditions.js';
import type { FieldType } from '../model/field-description.js';
import { inputMemberName } from '../model/generated-names.js';
import type { Registry } from '../model/registry.js';
import type { Builder } from './builder.js';
import { SCALAR_TYPE_NAMES, type TypeRefs } from './type-refs.js';

type InputRef = unknown;
const ORDERED = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'] as const;
const UNORDERED = ['eq', 'ne', 'in'] as const;

/**
 * The filter inputs (`IntFilter`, `StringFilter`, ..., `<Enum>Filter`), made once each, shared by lock
 * conditions and finders, and evaluated by one evaluator (model/conditions.ts).
 */
export class FilterInputs {
  private readonly made = new Map<string, InputRef>();

  constructor(
    private readonly builder: Builder,
    private readonly refs: TypeRefs,
  ) {}

  for(type: FieldType): InputRef {
    if (type.kind === 'list' || type.kind === 'object' || type.kind === 'record') throw new Error(`no filter for ${type.kind} fields`);
    const scalar = type.kind === 'enum' ? type.typeName : SCALAR_TYPE_NAMES[type.kind];
    const name = `${scalar}Filter`;
    if (!this.made.has(name)) {
      const operators =
        type.kind === 'enum' || type.kind === 'boolean' ? (type.kind === 'boolean' ? (['eq', 'ne'] as const) : UNORDERED) : ORDERED;
      const valueType = type.kind === 'enum' ? this.refs.input(type) : scalar;
      this.made.set(
        name,
        this.builder.inputType(name, {
          description: `Conditions on a ${scalar} field; all given must hold. A null or missing value matches only \`eq: null\` and \`ne\` with a value.`,
          fields: (t) =>
            Object.fromEntries(
              operators.map((operator) => [
                operator,
                t.field({
                  type: (operator === 'in' ? [valueType] : valueType) as never,
                  required: operator === 'in' ? { list: false, items: true } : false,
                } as never),
              ]),
            ) as Record<string, never>,
        }),
      );
    }
    return this.made.get(name);
  }
}

/** `<Model>Condition` per model, with and / or / not, and `ModelCondition @oneOf` over them. */
export function addConditionInputs(builder: Builder, registry: Registry, filters: FilterInputs) {
  const conditions = new Map<string, InputRef>();
  for (const model of registry.models) {
    const name = `${model.name}Condition`;
    const ref: InputRef = builder.inputRef(name).implement({
      description: `Conditions on a ${model.name}: every field filter and combinator given must hold.`,
      fields: (t) => ({
        ...Object.fromEntries(filterableFields(model).map((field) => [field.name, t.field({ type: filters.for(field.type) as never })])),
        and: t.field({ type: [ref] as never, description: 'Every one holds.' }),
        or: t.field({ type: [ref] as never, description: 'At least one holds.' }),
        not: t.field({ type: ref as never, description: 'It does not hold.' }),
      }),
    });
    conditions.set(model.name, ref);
  }
  const modelCondition = builder.inputType('ModelCondition', {
    isOneOf: true,
    description: "A condition on the key's model: set the member named after it.",
    fields: (t) =>
      Object.fromEntries(
        registry.models.map((model) => [inputMemberName(model.name), t.field({ type: conditions.get(model.name) as never })]),
      ),
  });
  return modelCondition;
}
