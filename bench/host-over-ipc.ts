import type { RunningServer } from './servers/running-server.js';

/** What the parent sends a server child, and what the child answers. */
export type ChildRequest = 'cpu' | 'stop';
export type ChildMessage = { port: number } | { cpuMicros: number };

/**
 * Makes this forked process the host of one running server: it reports the port over IPC, answers
 * 'cpu' with the CPU time it has used so far, and stops on 'stop' or when the parent goes away.
 */
export function hostOverIpc(running: RunningServer): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('A benchmark server child must be started with an IPC channel (child_process.fork).');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    // Leaving the IPC channel lets the event loop drain: the process exits on its own, so --cpu-prof writes its profile.
    if (process.connected) process.disconnect();
  };
  process.on('message', (message: ChildRequest) => {
    if (message === 'stop') void stop();
    // CPU time per request moves less than req/s when other processes take turns on the cores.
    else if (message === 'cpu' && process.connected) send({ cpuMicros: cpuMicros() } satisfies ChildMessage);
  });
  // The parent died or closed the channel without asking: do not outlive it.
  process.once('disconnect', () => void stop());
  send({ port: running.port } satisfies ChildMessage);
}

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}
