import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { forbidden } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * Yoga's CSRF prevention: a request a page could send cross-site without a preflight (a GET, or a
 * "simple" content type) must carry a header no such request can set. Its refusal gets a code here
 * (FORBIDDEN, HTTP 403), as every refusal of the gateway has one.
 */
export function useCsrfCheck(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      // A POST got here only with a JSON or GraphQL body (useJsonBodiesOnly refuses the others first),
      // which no page sends cross-site without a preflight: the check is for the rest, GETs above all.
      if (payload.request.method === 'POST') return;
      try {
        return csrf.onRequestParse?.(payload);
      } catch {
        throw requestRefusal(
          forbidden(
            `A GraphQL request sent as a GET must carry the header "${CSRF_HEADER}" (any value), which a cross-site page cannot set without a CORS preflight.`,
            { header: CSRF_HEADER },
          ),
        );
      }
    },
  };
}
