import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildRequest } from './host-over-ipc.js';
import type { SystemId } from './servers/systems.js';

export interface ChildServer {
  pid: number | undefined;
  /** Where to POST GraphQL requests. */
  url: string;
  /** CPU time (user + system, µs) the server process has used since it started. */
  cpuMicros(): Promise<number>;
  /** Asks the child to close its server and Redis client, and waits for it to exit (killed after 10 s). */
  stop(): Promise<void>;
}

export interface ServerProcess extends ChildServer {
  system: SystemId;
}

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Forks server-child.ts for one system, running TypeScript through tsx as the parent does. */
export async function spawnServer(
  system: SystemId,
  redisUrl: string,
  { cpuProfDir }: { cpuProfDir?: string } = {},
): Promise<ServerProcess> {
  const execArgv = ['--import', import.meta.resolve('tsx'), ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])];
  return { system, ...(await forkServer(system, CHILD, [system, redisUrl], { execArgv })) };
}

export interface ForkOptions {
  execArgv: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The child's stdout: a server that logs every request would otherwise fill the terminal. @default 'inherit' */
  stdout?: 'inherit' | 'ignore';
}

/** Forks a script that speaks server-child.ts's protocol: it reports its port, answers 'cpu' and stops on 'stop'. */
export async function forkServer(label: string, script: string, args: string[], options: ForkOptions): Promise<ChildServer> {
  const child = fork(script, args, {
    execArgv: options.execArgv,
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: ChildMessage) =>
      'port' in message ? resolve(message.port) : reject(new Error(`unexpected message ${JSON.stringify(message)}`)),
    );
    child.once('error', reject);
    void exited.then(() => reject(new Error(`The ${label} server process exited before it listened (code ${child.exitCode}).`)));
  });
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}/graphql`,
    cpuMicros() {
      return new Promise((resolve, reject) => {
        child.once('message', (message: ChildMessage) =>
          'cpuMicros' in message ? resolve(message.cpuMicros) : reject(new Error(`unexpected message ${JSON.stringify(message)}`)),
        );
        void exited.then(() =>
          reject(new Error(`The ${label} server process exited (code ${child.exitCode}, signal ${child.signalCode}).`)),
        );
        child.send('cpu' satisfies ChildRequest);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('stop' satisfies ChildRequest);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
