import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** What a reader needs to weigh the numbers: cores, versions, and how busy the machine was. */
export function machineLine(loadBefore: number[]): string {
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  return `Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${redisVersion()}; load average before ${load(loadBefore)}, after ${load(loadavg())}`;
}

/** Other processes share the cores: say so before the numbers, not after. */
export function loadWarning(loadBefore: number[]): string | undefined {
  const now = loadBefore[0] ?? 0;
  if (now <= 0.5) return undefined;
  return `Warning: the load average is ${now.toFixed(2)} before the run: other processes share the cores, and the numbers will be noisy.`;
}

function redisVersion() {
  const match = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }));
  return `redis-server ${match?.[1] ?? 'unknown'}`;
}
