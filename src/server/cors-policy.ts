import { badUserInput } from '../errors.js';
import type { RequestHeaders } from './authenticate.js';

/** Yoga's CORS options for a request: false for no CORS header at all. */
export type CorsPolicy = false | ((request: RequestHeaders) => YogaCors | false);

/** The part of Yoga's CORS options the gateway sets. */
export interface YogaCors {
  origin: string[];
  credentials: boolean;
  exposedHeaders: string[];
}

export interface CorsOptions {
  /** Exact origins (`https://app.example`) whose pages may call the gateway from a browser. @default [] */
  origins: readonly string[];
  /** Let those pages send cookies and HTTP auth; the gateway itself reads only the Authorization header. @default false */
  credentials?: boolean | undefined;
}

/**
 * Yoga's `cors` option: closed without origins (no CORS header at all: Yoga's default would reflect any
 * origin, with credentials). With origins, only a listed origin gets headers. A factory rather than Yoga's
 * origin list, which answers an unlisted origin with `Access-Control-Allow-Origin: null`, and "null" is
 * the origin of sandboxed iframes and file: pages.
 */
export function corsPolicy(options: CorsOptions | undefined): CorsPolicy {
  const origins = options?.origins ?? [];
  if (origins.length === 0) return false;
  origins.forEach((origin, i) => {
    let normal: string | null = null;
    try {
      normal = new URL(origin).origin;
    } catch {
      // Reported below.
    }
    if (normal !== origin || normal === 'null')
      throw badUserInput(
        `cors.origins[${i}] is "${origin}", which is not an origin; write it as scheme://host[:port]${normal && normal !== 'null' ? `, e.g. "${normal}"` : ''}.`,
      );
  });
  const allowed = new Set(origins);
  // The request id is what a browser client quotes to find its request in the gateway's logs.
  const listed: YogaCors = { origin: [...origins], credentials: options?.credentials ?? false, exposedHeaders: ['x-request-id'] };
  return (request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? listed : false;
  };
}
