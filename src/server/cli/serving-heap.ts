import { setFlagsFromString } from 'node:v8';

/**
 * V8's heap setting for a process that serves requests, whose live heap is small (about 30 MB) and
 * whose garbage is short-lived. By default V8 lets the old space grow to two or three times its live
 * size before a full collection; under the benchmark's load that made a serving process 30 to 50 MB
 * larger than its live heap, once per worker. Growing by 30% keeps its peak near the live heap, for a
 * few more (mostly concurrent) collections and no measured loss of throughput. A smaller young
 * generation (--max-semi-space-size) saved nothing more and cost CPU. Figures in docs/cli.md.
 */
export const SERVING_HEAP_FLAGS = ['--heap-growing-percent=30'];

/** For the process that serves in place of workers: V8 reads this flag at each collection, so setting it now takes. */
export function useServingHeap(): void {
  for (const flag of SERVING_HEAP_FLAGS) setFlagsFromString(flag);
}
