import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHeaders } from '../authenticate.js';

/**
 * node:http's headers behind the `get` of a fetch Request, for the checks both paths share (auth, CORS):
 * they read a header or two, and building a fetch Headers would cost more than they do.
 */
export function headerView(headers: IncomingHttpHeaders): RequestHeaders {
  return {
    headers: {
      get(name) {
        const value = headers[name];
        // node joins repeated headers with ", " except set-cookie, which a request does not carry.
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}
