import { hostOverIpc } from './host-over-ipc.js';
import { isSystemId, SYSTEMS } from './servers/systems.js';

/*
 * A child process hosting one system, so that autocannon (in the parent) and the server under test
 * each get a core of their own rather than sharing one event loop. Started by spawn-server.ts:
 * argv is <system> <redis url>; host-over-ipc.ts speaks with the parent.
 */
const [system = '', redisUrl = ''] = process.argv.slice(2);
if (!isSystemId(system) || !redisUrl) {
  throw new Error(
    `server-child expects to be forked with arguments <system> <redis url>, system one of ${Object.keys(SYSTEMS).join(', ')}; got "${system}" "${redisUrl}".`,
  );
}
hostOverIpc(await SYSTEMS[system].start(redisUrl));
