import { execFile, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

/** Instructions of the measured requests, split by what V8 spent them on. */
export interface Counts {
  /** Every instruction executed while instrumentation was on, in every thread of the process. */
  total: number;
  /** Of which in V8's optimizing compiler (TurboFan): work a longer warm-up would have done earlier. */
  compiler: number;
  /** Of which in the garbage collector: what the requests allocated, paid in large uneven steps. */
  gc: number;
}

export interface RunOptions {
  root: string;
  redisUrl: string;
  size: number;
  warmup: number;
  requests: number;
  seeded: number;
  outFile: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs driver.ts for one tree under callgrind with instrumentation off, turns it on for the measured
 * requests only (callgrind_control, between the driver's "ready" and "done"), and reads the counts.
 * `--single-threaded` keeps V8's compiler and GC on the main thread, where they are counted as they happen.
 */
export async function callgrindRun(options: RunOptions): Promise<Counts> {
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      // V8 writes machine code into memory it later runs: without this, valgrind could run stale code.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${options.outFile}`,
      'node',
      '--single-threaded',
      '--import',
      'tsx',
      DRIVER,
      options.root,
      options.redisUrl,
      ...[options.size, options.warmup, options.requests, options.seeded].map(String),
      options.outFile,
    ],
    { cwd: options.root, env: options.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (stderr.split('\n').includes(line)) resolve();
        else setTimeout(check, 200);
      };
      check();
      void exited.then((code) => reject(new Error(`driver exited (${code}) before "${line}":\n${stderr.slice(-2000)}`)));
    });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const pid = String(child.pid);
  await waitFor('ready');
  await run('callgrind_control', ['--instr=on', pid]);
  await writeFile(`${options.outFile}.go`, '');
  await waitFor('done');
  await run('callgrind_control', ['--instr=off', pid]);
  await writeFile(`${options.outFile}.stop`, '');
  const code = await exited;
  await Promise.all(['go', 'stop'].map((signal) => rm(`${options.outFile}.${signal}`, { force: true })));
  if (code !== 0) throw new Error(`driver exited with ${code}:\n${stderr.slice(-2000)}`);
  return countsOf(options.outFile);
}

const COMPILER =
  /v8::internal::compiler::|v8::internal::(Turbofan|Maglev|OptimizedCompilation|Pipeline|Zone)|RegisterAllocat|InstructionSelector|CodeGenerator/;
const GC =
  /v8::internal::(Scavenge|Mark|Sweep|Evacuat|Heap|RememberedSet|MemoryAllocator|PagedSpace|FreeList)|heap::base::|BodyDescriptor|SizeFromMap|IncrementalMarking|ConcurrentMarking/;

/** Totals from the profile, and the compiler's and GC's shares by function name (callgrind_annotate). */
async function countsOf(file: string): Promise<Counts> {
  const total = Number(/^totals:\s+(\d+)/m.exec(await readFile(file, 'utf8'))?.[1]);
  const { stdout } = await run('callgrind_annotate', ['--threshold=100', '--auto=no', file], { maxBuffer: 256 * 1024 * 1024 });
  let compiler = 0;
  let gc = 0;
  for (const line of stdout.split('\n')) {
    const match = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (!match?.[1] || !match[2] || match[2].startsWith('PROGRAM TOTALS')) continue;
    const count = Number(match[1].replaceAll(',', ''));
    if (COMPILER.test(match[2])) compiler += count;
    else if (GC.test(match[2])) gc += count;
  }
  return { total, compiler, gc };
}
