import type { StartupReport } from './prepared-gateway.js';
import type { RedisTarget } from './redis-source.js';

export interface Draining {
  /** Requests received whose response had not ended when the port closed. */
  inFlight: number;
  /** How many of them were still running at the timeout and were cut off. */
  cutOff: Promise<number>;
}

/**
 * Where serve answers HTTP: this process alone (in-process-front.ts) or workers of its own (workers.ts).
 * The port is bound when the front exists, before Redis starts; until `serve`, every request is answered
 * 503 "starting".
 */
export interface HttpFront {
  /** The port bound: the one asked for, or the one the system picked for port 0. */
  port: number;
  /**
   * Builds the gateway of each process on `redis` (a URL or a cluster's nodes), runs the startup checks
   * once, and serves; resolves once every process serves, with what the checks found. Nothing serves if they fail.
   */
  serve(redis: RedisTarget): Promise<StartupReport>;
  /** Stops accepting (resolves once the port is closed) and lets the requests in flight finish within `timeoutMs`. */
  drain(timeoutMs: number): Promise<Draining>;
  /** Stops at once: closes the port and every connection, and ends the workers. */
  close(): Promise<void>;
  /** Calls `listener` with what happened if a process of the front (a worker) ends by itself once serving. */
  onUnexpectedExit(listener: (what: string) => void): void;
}

/**
 * The processes that will serve, once each has checked the models and the gateway options: nothing is
 * bound yet, so that serve can lock the data directory in between.
 */
export interface PreparedFront {
  /** Binds the port: the front answers 503 "starting" until `serve`. */
  bind(): Promise<HttpFront>;
  /** Ends whatever the front started, bound or not. */
  close(): Promise<void>;
}
