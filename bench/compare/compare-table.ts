import type { Sample } from '../measure.js';
import { median } from '../report.js';

/** One size's samples: index i of each list is round i, so that rounds pair up. */
export interface Paired<T> {
  ref: T[];
  head: T[];
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
/** Each round's own ratio: how much of the spread is the machine rather than the code. */
const byRound = (numerators: number[], denominators: number[]) =>
  numerators.map((value, i) => fixed(value / (denominators[i] ?? NaN))).join(' ');

/**
 * The HTTP table: medians over rounds of req/s, p99 and server CPU per request, and the ratio of the
 * medians. Both ratios read alike: above 1 means the head (the working tree) is faster.
 */
export function formatHttpTable(samples: Map<number, Paired<Sample>>, minRatio: number): string {
  const lines = [
    '| size | ref req/s | head req/s | ratio head/ref | ratio by round | ref p99 ms | head p99 ms | ref CPU µs/req | head CPU µs/req | CPU ratio ref/head |',
    '| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [size, { ref, head }] of samples) {
    const rps = (runs: Sample[]) => runs.map((run) => run.requestsPerSecond);
    const cpu = (runs: Sample[]) => runs.map((run) => run.cpuMicrosPerRequest);
    const ratio = median(rps(head)) / median(rps(ref));
    lines.push(
      `| ${size} | ${Math.round(median(rps(ref)))} | ${Math.round(median(rps(head)))} | ${fixed(ratio)}${ratio < minRatio ? ' (below ' + minRatio + ')' : ''} | ${byRound(rps(head), rps(ref))} | ${fixed(median(ref.map((run) => run.p99Ms)), 0)} | ${fixed(median(head.map((run) => run.p99Ms)), 0)} | ${Math.round(median(cpu(ref)))} | ${Math.round(median(cpu(head)))} | ${fixed(median(cpu(ref)) / median(cpu(head)))} |`,
    );
  }
  return lines.join('\n');
}

/** The in-process table: CPU µs per request, medians over rounds; the ratio reads like a req/s ratio. */
export function formatCpuTable(samples: Map<number, Paired<number>>): string {
  const lines = ['| size | ref CPU µs/req | head CPU µs/req | ratio ref/head | ratio by round |', '| ---: | ---: | ---: | ---: | --- |'];
  for (const [size, { ref, head }] of samples) {
    lines.push(
      `| ${size} | ${Math.round(median(ref))} | ${Math.round(median(head))} | ${fixed(median(ref) / median(head))} | ${byRound(ref, head)} |`,
    );
  }
  return lines.join('\n');
}

/** The smallest req/s ratio head/ref over the sizes. */
export const worstRatio = (samples: Map<number, Paired<Sample>>) =>
  Math.min(
    ...[...samples.values()].map(
      ({ ref, head }) => median(head.map((run) => run.requestsPerSecond)) / median(ref.map((run) => run.requestsPerSecond)),
    ),
  );
