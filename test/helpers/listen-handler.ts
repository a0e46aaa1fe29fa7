import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A node:http request listener (`gateway.handler`) on a free loopback port: its GraphQL URL, and how to stop it. */
export async function listenHandler(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
