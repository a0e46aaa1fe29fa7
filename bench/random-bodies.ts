import { benchKey, nodesBodyOf } from './bench-model.js';

/**
 * `count` `nodes` request bodies of `size` distinct keys each, drawn from the first `seeded` items.
 * Deterministic for a given seed, so that every system of a run gets the very same requests; the keys
 * travel as a variable, so the query text (and Yoga's parse cache entry) stays one.
 */
export function randomNodesBodies(size: number, seeded: number, count: number, seed = 1): string[] {
  return randomKeySets(size, seeded, count, seed).map(nodesBodyOf);
}

/** The key sets of randomNodesBodies: for a system that takes its keys otherwise than in a GraphQL body (webdis). */
export function randomKeySets(size: number, seeded: number, count: number, seed = 1): string[][] {
  if (size > seeded) throw new Error(`Cannot draw ${size} distinct keys from ${seeded} seeded items; seed more items.`);
  const random = mulberry32(seed * 7919 + size);
  const indexes = Array.from({ length: seeded }, (_, i) => i);
  return Array.from({ length: count }, () => {
    // A partial Fisher-Yates shuffle: the first `size` slots become a uniform sample without repeats.
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (seeded - i));
      [indexes[i], indexes[j]] = [indexes[j] ?? j, indexes[i] ?? i];
    }
    return indexes.slice(0, size).map(benchKey);
  });
}

/** A small seeded PRNG (public domain); Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
