import { isSystemId, SYSTEMS } from './servers/systems.js';

/*
 * A child process hosting one system, so that autocannon (in the parent) and the server under test
 * each get a core of their own rather than sharing one event loop. Started by spawn-server.ts:
 * argv is <system> <redis url>; it reports its port over IPC, answers 'cpu' with the CPU time it
 * has used so far, and stops on 'stop'.
 */
export type ChildRequest = 'cpu' | 'stop';
export type ChildMessage = { port: number } | { cpuMicros: number };

const [system = '', redisUrl = ''] = process.argv.slice(2);
const send = process.send?.bind(process);
if (!isSystemId(system) || !redisUrl || !send) {
  throw new Error(
    `server-child expects to be forked with arguments <system> <redis url>, system one of ${Object.keys(SYSTEMS).join(', ')}; got "${system}" "${redisUrl}".`,
  );
}

const running = await SYSTEMS[system].start(redisUrl);
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

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}
