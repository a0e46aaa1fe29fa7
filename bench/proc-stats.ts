import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/*
 * CPU time and memory of a server read from /proc (Linux), so that every system is measured the same
 * way whatever it is written in: the Node servers and webdis alike. A server is the process it was
 * started as and every process below it (serve's HTTP workers, say), summed; times cover all threads.
 */

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on nearly every Linux. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses: counted from the last ')'. */
async function statFields(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and its descendants alive now, found through each process's parent id (field 4 of proc(5)). */
export async function processTree(pid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const childrenOf = new Map<number, number[]>();
  await Promise.all(
    pids.map(async (each) => {
      const parent = Number((await statFields(each))?.[1]);
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), each]);
    }),
  );
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i] ?? -1) ?? []));
  return tree;
}

/**
 * User + system CPU time the process tree has used so far, in µs (to the tick: 10 ms at 100 Hz). Each
 * process counts its own time and that of the children it has reaped (cutime, cstime), so that a worker
 * that exited during a run still counts, once.
 */
export async function cpuMicrosOf(pid: number): Promise<number> {
  const fields = await Promise.all((await processTree(pid)).map(statFields));
  if (fields[0] === undefined) throw new Error(`/proc/${pid}/stat is gone: has the server exited?`);
  const ticks = fields.reduce(
    (sum, each) => sum + (each ? [11, 12, 13, 14].reduce((own, field) => own + Number(each[field]), 0) : 0), // utime, stime, cutime, cstime: fields 14 to 17
    0,
  );
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident set size of the process tree now, in bytes: each process's VmRSS, summed (pages shared between them count in each). */
export async function rssBytesOf(pid: number): Promise<number> {
  const sizes = await Promise.all(
    (await processTree(pid)).map(async (each) => {
      const status = await readFile(`/proc/${each}/status`, 'utf8').catch(() => '');
      const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      if (kilobytes === undefined && each === pid) throw new Error(`/proc/${pid}/status has no VmRSS line: has the process exited?`);
      return Number(kilobytes ?? 0) * 1024;
    }),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}
