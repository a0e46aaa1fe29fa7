import type { Server } from 'node:http';

/** How long shutdown waits for requests in flight, in ms, before it cuts them off. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface GracefulClose {
  /** Requests received whose response has not ended yet. */
  inFlight(): number;
  /**
   * Stops accepting connections, waits up to `timeoutMs` for the requests in flight to be answered,
   * then closes every connection left. Resolves with how many requests it had to cut off.
   */
  close(timeoutMs?: number): Promise<number>;
}

/**
 * Counts requests from their arrival to the end of their response. Node's `server.close()` alone waits
 * for every keep-alive connection to go away, without a bound, and cannot tell a connection that is
 * idle from one whose request is still running; counting requests can.
 */
export function gracefulClose(server: Server): GracefulClose {
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });
  return {
    inFlight: () => inFlight,
    async close(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
      const cutOff = inFlight;
      server.closeAllConnections();
      await closed;
      return cutOff;
    },
  };
}
