import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/*
 * CPU time and memory of a server process read from /proc (Linux), so that every system is measured
 * the same way whatever it is written in: the Node servers and webdis alike. Times cover all threads.
 */

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on nearly every Linux. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time the process has used so far, in µs (to the tick: 10 ms at 100 Hz). */
export async function cpuMicrosOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of proc(5)
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident set size of the process now, in bytes. */
export async function rssBytesOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kilobytes === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line: has the process exited?`);
  return Number(kilobytes) * 1024;
}
