import { spawn } from 'node:child_process';
import { childEnv, type CliProcess } from '../cli-process.js';

const started: CliProcess[] = [];

/** Every wait on a block is bounded; generously, since each starts Node through npx on a shared machine. */
export const SHELL_WAIT_MS = 90_000;

/** Rejects with what the block printed when `promise` has not settled within SHELL_WAIT_MS. */
export function within<T>(promise: Promise<T>, what: string, shell: CliProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${SHELL_WAIT_MS} ms; stdout:\n${shell.stdout()}\nstderr:\n${shell.stderr()}`)),
      SHELL_WAIT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a shell block as a user pastes it: bash, stopping at the first failing command, in a process
 * group of its own so that stopping it reaches every process it started. npm stays offline: a command
 * that would fetch a package fails instead of reaching the registry.
 */
export function runShell(code: string, cwd: string, env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
    cwd,
    env: childEnv({ npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const shell = { child, stdout: () => stdout, stderr: () => stderr, exited };
  started.push(shell);
  return shell;
}

const GRAPHQL_URL = /http:\/\/127\.0\.0\.1:\d+\/graphql/;

/** The first GraphQL URL the block prints (serve's "serving" line, a snippet's own): a server printing its address is ready. */
export function servedUrl(shell: CliProcess): Promise<string> {
  const printed = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = GRAPHQL_URL.exec(shell.stdout());
      if (match) resolve(match[0]);
    };
    shell.child.stdout?.on('data', check);
    check();
    void shell.exited.then((code) => reject(new Error(`exited with code ${code} before printing a URL; stderr:\n${shell.stderr()}`)));
  });
  return within(printed, 'printed no GraphQL URL', shell);
}

/** SIGTERM to the whole group, as Ctrl-C reaches every process of a terminal; SIGKILL for any it left. */
export async function stopShell(shell: CliProcess): Promise<void> {
  signalGroup(shell, 'SIGTERM');
  await within(shell.exited, 'did not exit after SIGTERM', shell).finally(() => signalGroup(shell, 'SIGKILL'));
}

function signalGroup(shell: CliProcess, signal: NodeJS.Signals): void {
  if (shell.child.pid === undefined) return;
  try {
    process.kill(-shell.child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** For afterAll: whatever a failed test left running. */
export async function cleanUpShells(): Promise<void> {
  for (const shell of started) signalGroup(shell, 'SIGKILL');
  await Promise.all(started.map((shell) => shell.exited));
}
