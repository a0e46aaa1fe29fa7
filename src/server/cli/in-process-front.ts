import { gracefulClose, type GracefulClose } from '../graceful-close.js';
import type { HttpFront, PreparedFront } from './http-front.js';
import { listen, type Listening } from './listen.js';
import { prepareGateway, type PreparedGateway } from './prepared-gateway.js';
import type { ServeFlags } from './serve-flags.js';
import type { ServeSettings } from './serve-options.js';
import type { Teardown } from './teardown.js';
import { useServingHeap } from './serving-heap.js';

/**
 * Serves from this process alone, as `--workers 1`: no process is forked. The gateway's close joins
 * `teardown` when it is built, so that it closes before Redis stops.
 */
export async function prepareInProcess(flags: ServeFlags, settings: ServeSettings, teardown: Teardown): Promise<PreparedFront> {
  useServingHeap();
  const prepared = await prepareGateway(flags, settings);
  let listening: Listening | undefined;
  return {
    bind: async () => inProcessFront((listening = await listen(flags.port, flags.host)), prepared, teardown),
    close: async () => listening?.close(),
  };
}

/** This process's own serving: the whole front of `--workers 1`, and the primary's share beside workers. */
export function inProcessFront(listening: Listening, prepared: PreparedGateway, teardown: Teardown): HttpFront {
  let closer: GracefulClose | undefined;
  return {
    port: listening.port,
    async serve(redis) {
      const { gateway, report } = await prepared.start(redis, true);
      teardown.add(() => gateway.close());
      closer = gracefulClose(listening.server);
      listening.serve(gateway.handler);
      return report;
    },
    async drain(timeoutMs) {
      await listening.stopAccepting();
      closer ??= gracefulClose(listening.server);
      // Counted before closing: close() drops the idle connections, not the requests.
      const inFlight = closer.inFlight();
      return { inFlight, cutOff: closer.close(timeoutMs) };
    },
    close: () => listening.close(),
    onUnexpectedExit: () => {},
  };
}
