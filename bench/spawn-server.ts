import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildRequest } from './server-child.js';
import type { SystemId } from './servers/systems.js';

export interface ServerProcess {
  system: SystemId;
  pid: number | undefined;
  /** Where to POST GraphQL requests. */
  url: string;
  /** CPU time (user + system, µs) the server process has used since it started. */
  cpuMicros(): Promise<number>;
  /** Asks the child to close its server and Redis client, and waits for it to exit (killed after 10 s). */
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Forks server-child.ts for one system, running TypeScript through tsx as the parent does. */
export async function spawnServer(
  system: SystemId,
  redisUrl: string,
  { cpuProfDir }: { cpuProfDir?: string } = {},
): Promise<ServerProcess> {
  const execArgv = ['--import', import.meta.resolve('tsx'), ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])];
  const child = fork(CHILD, [system, redisUrl], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: ChildMessage) =>
      'port' in message ? resolve(message.port) : reject(new Error(`unexpected message ${JSON.stringify(message)}`)),
    );
    child.once('error', reject);
    void exited.then(() => reject(new Error(`The ${system} server process exited before it listened (code ${child.exitCode}).`)));
  });
  return {
    system,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/graphql`,
    cpuMicros() {
      return new Promise((resolve, reject) => {
        child.once('message', (message: ChildMessage) =>
          'cpuMicros' in message ? resolve(message.cpuMicros) : reject(new Error(`unexpected message ${JSON.stringify(message)}`)),
        );
        void exited.then(() =>
          reject(new Error(`The ${system} server process exited (code ${child.exitCode}, signal ${child.signalCode}).`)),
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
