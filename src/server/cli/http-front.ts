import type { Gateway } from '../create-gateway.js';
import type { ServeSettings } from './serve-options.js';

/** What the front needs to serve: the gateway this process built, and what a worker needs to build its own. */
export interface ServeWith {
  gateway: Gateway;
  redisUrl: string;
  settings: ServeSettings;
}

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
  /** Hands requests to the gateway; resolves once every process serves. */
  serve(using: ServeWith): Promise<void>;
  /** Stops accepting (resolves once the port is closed) and lets the requests in flight finish within `timeoutMs`. */
  drain(timeoutMs: number): Promise<Draining>;
  /** Stops at once: closes the port and every connection, and ends the workers. */
  close(): Promise<void>;
  /** Calls `listener` with what happened if a process of the front (a worker) ends by itself once serving. */
  onUnexpectedExit(listener: (what: string) => void): void;
}
