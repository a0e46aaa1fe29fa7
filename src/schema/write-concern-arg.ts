import type { Builder } from './builder.js';

const defineEnum = (builder: Builder) =>
  builder.enumType('WriteConcern', {
    description: 'What a write waits for before it answers.',
    values: {
      PRIMARY: { description: "The primary applied it: Redis's own acknowledgement. A failover before it replicates can lose it." },
      REPLICA: {
        description:
          'A replica has it too (WAIT 1 behind the write, up to half the Redis timeout); otherwise NOT_REPLICATED, though it stands on the primary.',
      },
    } as const,
  });

const enums = new WeakMap<Builder, ReturnType<typeof defineEnum>>();

/** The `WriteConcern` enum, defined once per schema however many mutations take it. */
export function writeConcernEnum(builder: Builder): ReturnType<typeof defineEnum> {
  let ref = enums.get(builder);
  if (!ref) enums.set(builder, (ref = defineEnum(builder)));
  return ref;
}

/** No default in the schema: left out, the server's applies, so that `serve --write-concern` can set it. */
export const WRITE_CONCERN_ARG = "PRIMARY or REPLICA; left out, the server's default (PRIMARY unless configured).";
