import { badUserInput, tooManyKeys } from '../errors.js';
import { createDraft } from '../model/create-draft.js';
import { inputMemberName } from '../model/generated-names.js';
import type { Registry } from '../model/registry.js';
import type { Builder } from './builder.js';
import { inputToValue } from './input-to-value.js';
import type { ModelInterfaceRef } from './model-types.js';
import { inputFields, type TypeRefs } from './type-refs.js';
import { withGraphQLErrors } from './to-graphql-error.js';
import { WRITE_CONCERN_ARG, writeConcernEnum } from './write-concern-arg.js';
import { WRITE_ID_DESCRIPTION, type addWriteArguments } from './write-arguments.js';

/**
 * A pk made for this call differs from the one a retry would make, and a write id names one write of the
 * same keys: a retry would write new documents under new keys, answered by the record of the old ones.
 */
const pkNeededForWriteId = (model: string, index: number) =>
  badUserInput(
    `models[${index}] (${model}) has no pk, and a writeId needs one for every input: a retry with the same writeId must write the same keys. Give its pk (the key a previous reply or PARTIALLY_WRITTEN named), or leave writeId out.`,
    { index, model },
  );

/** `<Model>Input` per model, `ModelInput @oneOf` over them, and `insertMany`: rapyer's ainsert. */
export function addInsertMany(
  builder: Builder,
  registry: Registry,
  refs: TypeRefs,
  modelInterface: ModelInterfaceRef,
  { atomicity }: ReturnType<typeof addWriteArguments>,
) {
  const modelInputs = registry.models.map((model) =>
    builder.inputType(`${model.name}Input`, {
      fields: (t) => ({
        ...(model.keyField === null ? { pk: t.string({ description: 'The pk to store under; a UUIDv7 is made when left out.' }) } : {}),
        ...inputFields(t as never, model.fields, refs),
      }),
    }),
  );
  const modelInput = builder.inputType('ModelInput', {
    isOneOf: true,
    description: 'One model to insert: set exactly one member, named after the model with a lower-case first letter.',
    fields: (t) =>
      Object.fromEntries(registry.models.map((model, i) => [inputMemberName(model.name), t.field({ type: modelInputs[i] as never })])),
  });
  const onConflict = builder.enumType('OnConflict', {
    values: {
      OVERWRITE: { description: 'Replace existing keys.' },
      FAIL: { description: 'Write nothing when any key exists, and answer KEY_EXISTS.' },
    },
  });

  builder.mutationField('insertMany', (t) =>
    t.field({
      type: [modelInterface],
      description:
        'Validates every input, then writes all of them and their TTLs in one atomic step, or none; with atomicity PER_SLOT, one atomic step per hash slot.',
      args: {
        models: t.arg({ type: [modelInput], required: true }),
        onConflict: t.arg({ type: onConflict, defaultValue: 'OVERWRITE' }),
        atomicity: t.arg({ type: atomicity, defaultValue: 'ALL' }),
        writeId: t.arg.string({
          description: `${WRITE_ID_DESCRIPTION} Every input then needs its pk, so that a retry writes the same keys.`,
        }),
        writeConcern: t.arg({ type: writeConcernEnum(builder), description: WRITE_CONCERN_ARG }),
      },
      resolve: withGraphQLErrors(async (_root, args, { session }) => {
        const inputs = args.models as Array<Record<string, Record<string, unknown> | null | undefined>>;
        const { maxInsert } = session.limits;
        if (inputs.length > maxInsert) throw tooManyKeys(inputs.length, maxInsert, 'models to insert', 'maxInsert');
        // One generator per call: on a cluster the pks it makes share a slot, so the call stays one atomic write.
        const newPk = session.newPks();
        const drafts = inputs.map((input, index) => {
          const model = registry.models.find((candidate) => input[inputMemberName(candidate.name)] != null);
          const given = model ? (input[inputMemberName(model.name)] as Record<string, unknown>) : {};
          if (!model) throw new Error('ModelInput has no member set; @oneOf validation should have refused it');
          const pk = typeof given.pk === 'string' ? given.pk : undefined;
          if (args.writeId != null && pk === undefined && model.keyField === null) throw pkNeededForWriteId(model.name, index);
          return createDraft(model, inputToValue(model.fields, given), { pk, index, newPk });
        });
        return session.insert(drafts, {
          onConflict: args.onConflict ?? 'OVERWRITE',
          atomicity: args.atomicity ?? 'ALL',
          writeId: args.writeId ?? undefined,
          writeConcern: args.writeConcern ?? undefined,
        });
      }),
    }),
  );
}
