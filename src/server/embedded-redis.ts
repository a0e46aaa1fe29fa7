import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { CliError } from './cli/cli-error.js';

export interface EmbeddedRedisOptions {
  /** Where Redis keeps its append-only file. @default "./.data/redis" */
  dir?: string;
  /** Persist writes in an append-only file. @default true */
  appendOnly?: boolean;
  /** More `redis-server` arguments, e.g. ["--maxmemory", "1mb"]. */
  args?: string[];
  /** The port to listen on, e.g. to start again where a server that died was. @default a free port */
  port?: number;
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  pid: number;
  /** Calls `listener` if redis-server exits before `stop()` was called: killed, crashed, shut down by someone else. */
  onUnexpectedExit(listener: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void): void;
  stop(): Promise<void>;
}

export class RedisServerMissingError extends CliError {
  override name = 'RedisServerMissingError';
  readonly code = 'REDIS_SERVER_MISSING';

  constructor() {
    super(
      'redis-server was not found on PATH.',
      'Install it (e.g. apt-get install redis-server), or pass --redis <url> of a Redis you run.',
    );
  }
}

/** redis-server exited before it was ready: its last log line says why (a bad AOF, a bad argument, a dir it may not write). */
export class RedisServerFailedError extends CliError {
  override name = 'RedisServerFailedError';
  readonly code = 'REDIS_SERVER_FAILED';

  constructor(
    exitCode: number | null,
    dir: string,
    /** What redis-server printed, its tail. */
    readonly output: string,
  ) {
    // Redis's log lines read "pid:role date time # reason"; the last warning is the reason it gives.
    const reasons = output
      .split('\n')
      .map((line) => /^\d+:[A-Z] .*? [#*] (.*)$/.exec(line.trim())?.[1] ?? line.trim())
      .filter(Boolean);
    super(
      `redis-server exited with code ${exitCode} before it was ready: ${reasons.at(-1) ?? 'it printed nothing'}`,
      `Check its data directory ${dir}; run again with --debug for all it printed.`,
    );
  }
}

/** Starts `redis-server` from PATH as a child process on a free loopback port, and resolves once it accepts connections. */
export async function startEmbeddedRedis({
  dir = './.data/redis',
  appendOnly = true,
  args = [],
  port: fixedPort,
}: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  await mkdir(dir, { recursive: true });
  // Another process may take the port between our probe and Redis's bind: try a few times.
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        appendOnly ? 'yes' : 'no',
        '--save',
        '',
        '--logfile',
        '',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await ready(child, dir);
      let stopping = false;
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid: child.pid as number,
        onUnexpectedExit: (listener) => {
          if (child.exitCode !== null || child.signalCode !== null) listener({ code: child.exitCode, signal: child.signalCode });
          else child.once('exit', (code, signal) => stopping || listener({ code, signal }));
        },
        stop: () => {
          stopping = true;
          return stop(child);
        },
      };
    } catch (error) {
      child.kill('SIGKILL');
      const portTaken = error instanceof RedisServerFailedError && error.output.includes('Address already in use');
      if (!portTaken || fixedPort !== undefined || attempt >= 3) throw error;
    }
  }
}

function ready(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new RedisServerMissingError() : error));
    child.once('exit', (code) => reject(new RedisServerFailedError(code, dir, output.slice(-2000))));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    // A stopped (SIGSTOP) server acts on SIGTERM only once it runs again.
    child.kill('SIGCONT');
  });
}

/** A port no one listens on now, from the OS: another process may still take it before it is bound. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
