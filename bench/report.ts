import type { Sample } from './measure.js';
import { labelOf, type NodesSystemId as SystemId } from './nodes-systems.js';

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

/** Samples by size, then by system, one per round. */
export type Samples = Map<number, Map<SystemId, Sample[]>>;

/**
 * The markdown table: medians over rounds, and each system's median req/s over each baseline's.
 * Medians, not means: one round disturbed by another process on a 2-core machine should not move the result.
 */
export function formatTable(samples: Samples): string {
  const lines = [
    '| size | system | req/s (median) | p99 ms (median) | ratio vs (a) | ratio vs (b) | req/s by round | server CPU µs/req (median) | CPU ratio (b)/system |',
    '| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const [size, bySystem] of samples) {
    const rps = (system: SystemId) => median((bySystem.get(system) ?? []).map((sample) => sample.requestsPerSecond));
    const cpu = (system: SystemId) => median((bySystem.get(system) ?? []).map((sample) => sample.cpuMicrosPerRequest));
    for (const [system, runs] of bySystem) {
      const ratio = (baseline: SystemId) => (bySystem.has(baseline) ? (rps(system) / rps(baseline)).toFixed(2) : '-');
      // Inverted so that it reads like the req/s ratio: below 1 means the system costs more CPU than (b).
      const cpuRatio = bySystem.has('yoga') ? (cpu('yoga') / cpu(system)).toFixed(2) : '-';
      lines.push(
        `| ${size} | ${labelOf(system)} | ${Math.round(rps(system))} | ${median(runs.map((run) => run.p99Ms)).toFixed(0)} | ${ratio('http')} | ${ratio('yoga')} | ${runs.map((run) => Math.round(run.requestsPerSecond)).join(', ')} | ${Math.round(cpu(system))} | ${cpuRatio} |`,
      );
    }
  }
  return lines.join('\n');
}
