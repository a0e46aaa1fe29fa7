import type { Plugin } from 'graphql-yoga';
import { requestTooLarge } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/** The code of the error Yoga's own body limit (`maxRequestBodySize`) raises. */
const YOGA_TOO_LARGE = 'REQUEST_ENTITY_TOO_LARGE';

const isYogaTooLarge = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { extensions?: { code?: unknown } }).extensions?.code === YOGA_TOO_LARGE;

/**
 * Yoga enforces the body limit (give it the same `maxBodyBytes` as `maxRequestBodySize`), also on
 * chunked bodies with no Content-Length; this plugin only gives its refusal our code, REQUEST_TOO_LARGE,
 * HTTP 413. It runs before Yoga's check, so it answers a too-large Content-Length itself, with the size.
 */
export function useBodyLimit(maxBodyBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const length = Number(request.headers.get('content-length') ?? NaN);
      if (Number.isSafeInteger(length) && length > maxBodyBytes) throw requestRefusal(requestTooLarge(length, maxBodyBytes));
      if (!requestParser) return;
      // Yoga's limit wraps this parser in turn and errors the body stream past the limit, which the parser sees.
      setRequestParser(async (limited) => {
        try {
          return await requestParser(limited);
        } catch (error) {
          throw isYogaTooLarge(error) ? requestRefusal(requestTooLarge(null, maxBodyBytes)) : error;
        }
      });
    },
  };
}
