import { createServer, type RequestListener, type Server } from 'node:http';
import { CliError } from './cli-error.js';

export interface Listening {
  server: Server;
  /** The port bound: the one asked for, or the one the system picked for port 0. */
  port: number;
  /** Hands requests to the gateway; until then each is answered 503, since nothing can serve it yet. */
  serve(handler: RequestListener): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

const PORT_HINT = 'Pass another --port (or PORT); --port 0 picks a free one.';
const REFUSALS: Record<string, { reason: string; hint: string }> = {
  EADDRINUSE: { reason: 'is already in use', hint: `${PORT_HINT} Or stop what listens there.` },
  EACCES: { reason: 'may not be bound by this user', hint: `${PORT_HINT} Ports below 1024 need privileges.` },
  EADDRNOTAVAIL: { reason: 'is not an address of this machine', hint: 'Pass another --host (or HOST), such as 127.0.0.1 or 0.0.0.0.' },
};

/** Binds the port before anything else starts, so that a port in use fails before Redis runs. */
export async function listen(port: number, host: string): Promise<Listening> {
  let handler: RequestListener = (_request, response) => {
    response.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
  };
  const server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const refusal = REFUSALS[error.code ?? ''];
      if (!refusal) return reject(error);
      const what = error.code === 'EADDRNOTAVAIL' ? `host ${host}` : `port ${port} on ${host}`;
      reject(new CliError(`${what} ${refusal.reason}.`, refusal.hint, 1, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    serve: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
