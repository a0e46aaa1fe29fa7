import { connect, createServer, type Socket } from 'node:net';

export interface DroppingProxy {
  host: string;
  port: number;
  /** How many client writes held the marker: the sends of the command it names. */
  readonly sends: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `target` that forwards everything, except that after a client write holding `marker`
 * the next reply is dropped and the connection closed with it, `drops` times: what a failover or a
 * network fault does to a command Redis ran and whose reply never came.
 */
export async function droppingProxy(target: { host: string; port: number }, marker: string, drops = 1): Promise<DroppingProxy> {
  let left = drops;
  let sends = 0;
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const server = connect(target.port, target.host);
    sockets.add(client).add(server);
    let dropping = false;
    client.on('data', (chunk) => {
      if (chunk.includes(marker)) {
        sends += 1;
        if (left > 0) [left, dropping] = [left - 1, true];
      }
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (!dropping) return void client.write(chunk);
      client.destroy();
      server.destroy();
    });
    const end = () => [client, server].forEach((socket) => socket.destroy());
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  return {
    host: '127.0.0.1',
    port,
    get sends() {
      return sends;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
