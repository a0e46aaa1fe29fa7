import { gracefulClose, type GracefulClose } from '../graceful-close.js';
import type { HttpFront } from './http-front.js';
import { listen } from './listen.js';

/** Serves from this process alone, as `--workers 1`: no process is forked. */
export async function inProcessFront(port: number, host: string): Promise<HttpFront> {
  const listening = await listen(port, host);
  let closer: GracefulClose | undefined;
  return {
    port: listening.port,
    async serve({ gateway }) {
      closer = gracefulClose(listening.server);
      listening.serve(gateway.handler);
    },
    async drain(timeoutMs) {
      closer ??= gracefulClose(listening.server);
      // Counted before closing: close() drops the idle connections, not the requests.
      const inFlight = closer.inFlight();
      return { inFlight, cutOff: closer.close(timeoutMs) };
    },
    close: () => listening.close(),
    onUnexpectedExit: () => {},
  };
}
