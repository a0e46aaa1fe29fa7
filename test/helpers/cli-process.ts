import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/*
 * The CLI as a user runs it, a real port, real HTTP, and its own embedded redis-server; but from the
 * sources, through tsx, as `npm start` runs it: the bin runs the build in dist/, which could be older than
 * the sources under test. test/package.test.ts runs the bin of the packed package. Every child is started in a process group of its own, so that cleanup can
 * reach the redis-server the CLI started even when a test fails before the CLI could stop it.
 */

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** What bin/redis-model-gateway.js imports, compiled, in dist/. */
const CLI_SOURCE = join(REPO, 'src', 'server', 'cli', 'main.ts');
/** Every wait on a child is bounded: a hung CLI fails the test instead of hanging the run. */
export const WAIT_MS = 20_000;

export const SERVING = /^redis-model-gateway serving (.*) at (http:\/\/127\.0\.0\.1:(\d+)\/graphql)$/m;
export const EMBEDDED = /^embedded redis-server on redis:\/\/127\.0\.0\.1:(\d+)/m;

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the CLI has exited. */
  exited: Promise<number | null>;
}

export interface ServingCli extends CliProcess {
  url: string;
  modelNames: string[];
  /** The port of the embedded redis-server the CLI started. */
  redisPort: number;
  dataDir: string;
}

const started: CliProcess[] = [];
const tempDirs: string[] = [];

/** Whether a file the CLI writes (its lock, its URL file) is there. */
export const fileExists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-cli-test-'));
  tempDirs.push(dir);
  return dir;
}

/** The parent's environment without a Redis or token of its own, so that the CLI uses its defaults. */
export function childEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const {
    REDIS_URL: _redisUrl,
    REDIS_CLUSTER_NODES: _clusterNodes,
    GATEWAY_WRITE_TOKEN: _token,
    GATEWAY_WRITE_TOKEN_FILE: _tokenFile,
    GATEWAY_API_KEYS_FILE: _keysFile,
    NODE_ENV: _nodeEnv,
    ...env
  } = process.env;
  return { ...env, ...overrides };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = childEnv()): CliProcess {
  return runNode(['--import', 'tsx', CLI_SOURCE, ...args], REPO, env);
}

/** `node ...nodeArgs` in a process group of its own, what it prints collected, cleaned up by cleanUpClis. */
export function runNode(nodeArgs: string[], cwd: string, env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli = { child, stdout: () => stdout, stderr: () => stderr, exited };
  started.push(cli);
  return cli;
}

/** Rejects with what the CLI printed when `promise` has not settled within WAIT_MS. */
export function bounded<T>(promise: Promise<T>, what: string, cli: CliProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${WAIT_MS} ms; stdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`)),
      WAIT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first match of `pattern` in the CLI's stdout; rejects if the CLI exits first, or after WAIT_MS. */
export function waitForOutput(cli: CliProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  const seen = new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(cli.stdout());
      if (match) resolve(match);
    };
    check();
    cli.child.stdout?.on('data', check);
    void cli.exited.then((code) => reject(new Error(`the CLI exited with code ${code} before ${what}; stderr:\n${cli.stderr()}`)));
  });
  return bounded(seen, `the CLI did not print ${what}`, cli);
}

/**
 * Starts `serve` with an embedded redis-server in a fresh data dir (or the one given) and waits for
 * the "serving" line. One process unless `extraArgs` asks for workers: serve's default is one per CPU,
 * which would make each spec depend on the machine; test/cli-workers.test.ts specifies the workers.
 */
export async function serve(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}, dataDirGiven?: string): Promise<ServingCli> {
  const dataDir = dataDirGiven ?? join(await tempDir(), 'redis');
  const workers = extraArgs.includes('--workers') ? [] : ['--workers', '1'];
  const cli = runCli(['serve', '--port', '0', '--data-dir', dataDir, ...workers, ...extraArgs], childEnv(env));
  const { url, modelNames } = await whenServing(cli);
  const redisPort = Number(EMBEDDED.exec(cli.stdout())?.[1]);
  return { ...cli, url, modelNames, redisPort, dataDir };
}

/** Waits for a CLI's "serving" line: its URL and the names of the models it serves. */
export async function whenServing(cli: CliProcess): Promise<{ url: string; modelNames: string[] }> {
  const [, names = '', url = ''] = await waitForOutput(cli, SERVING, 'its "serving" line');
  return { url, modelNames: names.split(', ') };
}

/** Sends SIGTERM to the CLI alone (not its group) and waits for it to exit. */
export async function stop(cli: CliProcess): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return bounded(cli.exited, 'the CLI did not exit after SIGTERM', cli);
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export async function post(
  url: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether every process of the CLI's process group is gone, waiting up to WAIT_MS: the CLI and any
 * redis-server it started, which stays in the group even once the CLI is gone. (tsx's esbuild helper
 * is in the group too, and ends shortly after the CLI: hence the wait.)
 */
export async function processGroupGone(cli: CliProcess): Promise<boolean> {
  const pid = cli.child.pid as number;
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline;) {
    if (!groupExists(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !groupExists(pid);
}

/** A loopback port free when asked (nothing listens on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** For afterAll: kills whatever a failed test left running (its whole process group, the CLI's redis-server included) and removes the temp dirs. */
export async function cleanUpClis(): Promise<void> {
  for (const cli of started) {
    if (cli.child.exitCode === null && cli.child.signalCode === null && cli.child.pid !== undefined) {
      try {
        process.kill(-cli.child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      await cli.exited;
    }
  }
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * Writes a models file into a fresh temp dir, with `z` and `defineModel` imported from the repo (the temp
 * dir has no node_modules: the very zod module the sources use, so that defineModel's instanceof holds),
 * and a package.json that makes it ESM as the repo is. Returns its path.
 */
export async function writeModelsFile(body: string, name = 'models.ts'): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = join(dir, name);
  const src = pathToFileURL(join(REPO, 'src', 'index.ts')).href;
  const zod = pathToFileURL(join(REPO, 'node_modules', 'zod', 'index.js')).href;
  await writeFile(file, [`import { z } from '${zod}';`, `import { defineModel } from '${src}';`, body, ''].join('\n'));
  return file;
}
