import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuMicrosOf, processTree } from './proc-stats.js';
import type { ChildServer } from './spawn-server.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/redis-model-gateway.js', import.meta.url));
const MODELS = fileURLToPath(new URL('./serve-models.ts', import.meta.url));
/** What serve prints once it answers requests; the URL holds the port it was given (--port 0: a free one). */
const SERVING = /^redis-model-gateway serving .* at (http:\/\/127\.0\.0\.1:\d+\/graphql)$/m;
const STARTUP_MS = 30_000;

/**
 * The gateway as an operator runs it: `redis-model-gateway serve` (the bin, which runs the build in
 * dist/), with the CLI's defaults, NODE_ENV among them, and `extraArgs` appended (`--workers 2`, say).
 * The environment loses NODE_ENV, REDIS_URL and the credential variables, so that the defaults are what
 * is measured whatever the shell exports. Its CPU time and memory are those of its whole process tree.
 */
export async function spawnServe(
  redisUrl: string,
  extraArgs: readonly string[],
  { cpuProfDir }: { cpuProfDir?: string } = {},
): Promise<ChildServer> {
  const {
    NODE_ENV: _nodeEnv,
    REDIS_URL: _redisUrl,
    GATEWAY_WRITE_TOKEN: _token,
    GATEWAY_WRITE_TOKEN_FILE: _tokenFile,
    GATEWAY_API_KEYS_FILE: _keysFile,
    ...env
  } = process.env;
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const args = ['serve', '--models', MODELS, '--redis', redisUrl, '--port', '0', '--log-level', 'warn', ...extraArgs];
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { pid } = child;
  if (pid === undefined) throw new Error(`redis-model-gateway serve did not start: node ${BIN} ${args.join(' ')}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  // Read to the end, so that a full pipe never blocks the server; what it prints after startup goes to stderr here.
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length < 100_000) stdout += chunk;
  });
  createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`serve: ${line}\n`));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: serve drains, closes and exits, workers included; SIGKILL to every process left after 10 s.
    child.kill('SIGTERM');
    const timer = setTimeout(() => void killTree(pid), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its "serving" line within ${STARTUP_MS} ms; stdout:\n${stdout}`)),
      STARTUP_MS,
    );
    const check = () => {
      const match = SERVING.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited (code ${child.exitCode}, signal ${child.signalCode}) before serving; stdout:\n${stdout}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { pid, url, cpuMicros: () => cpuMicrosOf(pid), stop };
}

async function killTree(pid: number) {
  for (const each of (await processTree(pid)).reverse()) {
    try {
      process.kill(each, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
