import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { CliError } from './cli-error.js';

/** Takes an accepted connection and reads its requests from then on. */
export type ConnectionTaker = (socket: Socket) => void;

/** Another serving process (a worker), as the one that accepts connections sees it. */
export interface ConnectionTarget {
  take: ConnectionTaker;
  /** Whether it may be handed a connection now: it is alive and not stuck on those it was sent. */
  isFree(): boolean;
}

/** An HTTP server that is handed its connections rather than accepting them itself. */
export interface HandedServer {
  server: Server;
  /** Takes a connection accepted elsewhere (here or in the primary) and reads its requests. */
  take: ConnectionTaker;
  /** Hands requests to the gateway; until then each is answered 503, since nothing can serve it yet. */
  serve(handler: RequestListener): void;
}

export interface Listening extends HandedServer {
  /** The port bound: the one asked for, or the one the system picked for port 0. */
  port: number;
  /**
   * The other serving processes: from now on each accepted connection goes to the next in turn that is
   * free, this process included (always free). Until called, this process takes them all.
   */
  handOut(targets: readonly ConnectionTarget[]): void;
  /** Stops accepting connections; those accepted stay with whoever took them. */
  stopAccepting(): Promise<void>;
  /** Stops listening and drops every connection of this process. */
  close(): Promise<void>;
}

const PORT_HINT = 'Pass another --port (or PORT); --port 0 picks a free one.';
const REFUSALS: Record<string, { reason: string; hint: string }> = {
  EADDRINUSE: { reason: 'is already in use', hint: `${PORT_HINT} Or stop what listens there.` },
  EACCES: { reason: 'may not be bound by this user', hint: `${PORT_HINT} Ports below 1024 need privileges.` },
  EADDRNOTAVAIL: { reason: 'is not an address of this machine', hint: 'Pass another --host (or HOST), such as 127.0.0.1 or 0.0.0.0.' },
};

/**
 * The HTTP server of a serving process. It never listens: the process that binds the port accepts
 * every connection and hands each to one serving process, itself included (listen). Node starts an
 * HTTP server's connection tracking when it starts listening: without it, the header and request
 * timeouts go unenforced and closing idle or all connections does nothing. So it is started here.
 */
export function handedServer(): HandedServer {
  let handler: RequestListener = (_request, response) => {
    response.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
  };
  const server = createHttpServer((request, response) => handler(request, response));
  server.emit('listening');
  return {
    server,
    take: (socket) => {
      server.emit('connection', socket);
      // Accepted paused, so that no byte was read by a process that does not serve the connection.
      socket.resume();
    },
    serve: (next) => {
      handler = next;
    },
  };
}

/**
 * Binds the port before anything else starts, so that a port in use fails before Redis runs. The
 * connections it accepts go to this process's own HTTP server, and to workers once `handOut` names
 * them: round-robin per connection, as node:cluster does among its workers, but with this process
 * serving its share too, so that no process holds a Node runtime only to accept connections.
 */
export async function listen(port: number, host: string): Promise<Listening> {
  const own = handedServer();
  const self: ConnectionTarget = { take: own.take, isFree: () => true };
  let targets: readonly ConnectionTarget[] = [self];
  let turn = 0;
  const accepting = createNetServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    // Strictly in turn, so that a burst accepted at once is shared too; a process that is gone, or stuck
    // on the connections it was sent, is passed over (isFree).
    for (let tried = 0; tried < targets.length; tried++) {
      turn = (turn + 1) % targets.length;
      if ((targets[turn] as ConnectionTarget).isFree()) break;
    }
    const target = targets[turn] as ConnectionTarget;
    (target.isFree() ? target : self).take(socket);
  });
  await new Promise<void>((resolve, reject) => {
    accepting.once('error', (error: NodeJS.ErrnoException) => {
      const refusal = REFUSALS[error.code ?? ''];
      if (!refusal) return reject(error);
      const what = error.code === 'EADDRNOTAVAIL' ? `host ${host}` : `port ${port} on ${host}`;
      reject(new CliError(`${what} ${refusal.reason}.`, refusal.hint, 1, { cause: error }));
    });
    accepting.listen(port, host, () => resolve());
  });
  // Once bound, a failed accept (out of file descriptors, say) loses that connection alone, as with
  // node:http; unheard, it would end the process that holds Redis and the data directory.
  accepting.removeAllListeners('error');
  accepting.on('error', (error: NodeJS.ErrnoException) =>
    console.warn(`warning: accepting a connection failed: ${error.code ?? error.message}`),
  );
  const address = accepting.address();
  // Not close()'s callback: it waits for every connection this server accepted to end.
  const stopAccepting = () => {
    if (accepting.listening) accepting.close();
    return Promise.resolve();
  };
  return {
    ...own,
    port: typeof address === 'object' && address ? address.port : port,
    handOut: (others) => {
      targets = [self, ...others];
    },
    stopAccepting,
    close: async () => {
      await stopAccepting();
      own.server.closeAllConnections();
    },
  };
}
