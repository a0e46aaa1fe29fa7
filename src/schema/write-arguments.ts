import type { Atomicity } from '../store/commit-per-slot.js';
import type { Builder } from './builder.js';

export type AtomicityRef = ReturnType<typeof addWriteArguments>['atomicity'];

/** The arguments `insertMany` and `deleteMany` share: how the write is committed, and the id a retry names it by. */
export function addWriteArguments(builder: Builder) {
  const atomicity = builder.enumType('Atomicity', {
    description: 'How a write over keys of several Redis Cluster hash slots is committed. On one Redis both are one atomic step.',
    values: {
      ALL: { value: 'ALL' as Atomicity, description: 'In one atomic step, or not at all: CROSS_SLOT when the keys span slots.' },
      PER_SLOT: {
        value: 'PER_SLOT' as Atomicity,
        description:
          'One atomic step per slot, in ascending slot order. A step that fails stops the rest: PARTIALLY_WRITTEN reports each group; the same call with its writeId finishes them.',
      },
    },
  });
  return { atomicity };
}

export const WRITE_ID_DESCRIPTION =
  'Names this write for 60 s: the same write sent again with it answers its recorded outcome and is not applied twice. 1 to 64 of [A-Za-z0-9_.-]; random when left out.';
