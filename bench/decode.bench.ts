/**
 * `npm run bench:decode`: decoding a stored 7-field document (bench/bench-model.ts), in-process, no Redis.
 * Three ways in every round, in rotating order: JSON.parse alone (the floor), the structural check that
 * reads use (decodeDocument), and the full zod parse that lock saves use (decodeAndValidateDocument).
 * Medians of nanoseconds per document over rounds; the ratio is zod's median over the check's.
 */
import { decodeAndValidateDocument, decodeDocument } from '../src/model/document-codec.js';
import { BenchItem, benchKey, benchValue } from './bench-model.js';
import { median } from './report.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const DOCUMENTS = 1000;
const PASSES = 50;

const keys = Array.from({ length: DOCUMENTS }, (_, i) => benchKey(i));
const texts = Array.from({ length: DOCUMENTS }, (_, i) => JSON.stringify(benchValue(i)));

/** Kept live so that no decode is optimised away. */
let sink = 0;
const ways: ReadonlyArray<readonly [string, (key: string, text: string) => unknown]> = [
  ['JSON.parse only', (_key, text) => JSON.parse(text)],
  ['structural check (reads)', (key, text) => decodeDocument(BenchItem, key, text)],
  ['zod in full (lock saves)', (key, text) => decodeAndValidateDocument(BenchItem, key, text)],
];

function nanosPerDocument(decode: (key: string, text: string) => unknown): number {
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < DOCUMENTS; i++) if (decode(keys[i] as string, texts[i] as string) !== null) sink++;
  }
  return Number(process.hrtime.bigint() - start) / (PASSES * DOCUMENTS);
}

// Warm-up: every way compiled and its per-model state built before the first timed round.
for (const [, decode] of ways) nanosPerDocument(decode);

const samples = new Map(ways.map(([label]) => [label, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
  for (let w = 0; w < ways.length; w++) {
    const [label, decode] = ways[(round + w) % ways.length] as (typeof ways)[number];
    samples.get(label)?.push(nanosPerDocument(decode));
  }
}

const medianOf = (label: string) => median(samples.get(label) ?? []);
const [floor, check, zod] = ways.map(([label]) => medianOf(label)) as [number, number, number];
console.log(`| way | ns/document (median of ${ROUNDS} rounds) |`);
console.log('| --- | ---: |');
for (const [label] of ways) console.log(`| ${label} | ${medianOf(label).toFixed(0)} |`);
console.log(`\nzod / structural check: ${(zod / check).toFixed(2)}x`);
console.log(
  `beyond JSON.parse: zod ${(zod - floor).toFixed(0)} ns, check ${(check - floor).toFixed(0)} ns, ${((zod - floor) / (check - floor)).toFixed(1)}x`,
);
if (sink === 0) console.log('(nothing decoded)');
