import type { Sample } from './measure.js';
import { labelOf, type NodesSystemId as SystemId } from './nodes-systems.js';

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

/** Samples by row (`nodes × 10`, `node(key)`), then by system, one per round. */
export type Samples = Map<string, Map<SystemId, Sample[]>>;

/**
 * The markdown table: medians over rounds; each system's median req/s over webdis's (the floor of "documents
 * over HTTP") and over bare Yoga's (b); the server's CPU per request and its resident memory after the last round,
 * both of its whole process tree.
 * Medians, not means: one round disturbed by another process on a 2-core machine should not move the result.
 */
export function formatTable(samples: Samples, rssBytes: ReadonlyMap<SystemId, number>): string {
  const lines = [
    '| query | system | req/s (median) | × webdis | × (b) Yoga | p99 ms (median) | server CPU µs/req (median) | RSS MiB at end | req/s by round |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const [row, bySystem] of samples) {
    const rps = (system: SystemId) => median((bySystem.get(system) ?? []).map((sample) => sample.requestsPerSecond));
    for (const [system, runs] of bySystem) {
      const ratio = (baseline: SystemId) => (bySystem.has(baseline) ? (rps(system) / rps(baseline)).toFixed(2) : '-');
      const rss = rssBytes.get(system);
      lines.push(
        `| ${row} | ${labelOf(system)} | ${Math.round(rps(system))} | ${ratio('webdis')} | ${ratio('yoga')} | ${median(runs.map((run) => run.p99Ms)).toFixed(0)} | ${Math.round(median(runs.map((run) => run.cpuMicrosPerRequest)))} | ${rss === undefined ? '-' : (rss / 2 ** 20).toFixed(0)} | ${runs.map((run) => Math.round(run.requestsPerSecond)).join(', ')} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The gateway-only shapes: medians over rounds, no ratio (no baseline serves them). */
export function formatShapesTable(rows: ReadonlyArray<readonly [label: string, runs: readonly Sample[]]>): string {
  const lines = [
    '| shape | req/s (median) | p99 ms (median) | server CPU µs/req (median) | req/s by round |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const [label, runs] of rows) {
    lines.push(
      `| ${label} | ${Math.round(median(runs.map((run) => run.requestsPerSecond)))} | ${median(runs.map((run) => run.p99Ms)).toFixed(0)} | ${Math.round(median(runs.map((run) => run.cpuMicrosPerRequest)))} | ${runs.map((run) => Math.round(run.requestsPerSecond)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}
