import type { Server } from 'node:http';
import type { RunningServer } from './running-server.js';

/** Port 0 lets the kernel pick a free loopback port: no probe, so no race with another process. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error(`unexpected server address ${String(address)}`));
    });
  });
}

/** Stops accepting, drops idle keep-alive sockets (autocannon's), and resolves when the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The server listening on a free port, and a close that stops it and then what it served from (a Redis client, a gateway). */
export async function runningServer(server: Server, closeAfter: () => Promise<unknown>): Promise<RunningServer> {
  const port = await listen(server);
  return {
    port,
    async close() {
      await closeServer(server);
      await closeAfter();
    },
  };
}
