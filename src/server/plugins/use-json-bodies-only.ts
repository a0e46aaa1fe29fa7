import type { Plugin } from 'graphql-yoga';
import { unsupportedMediaType } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/** The bodies Yoga parses that a browser cannot send cross-site without a CORS preflight. */
const ACCEPTED = ['application/json', 'application/graphql+json', 'application/graphql'];

/**
 * Refuses a POST whose body is not JSON or GraphQL (UNSUPPORTED_MEDIA_TYPE, HTTP 415) before it is read.
 * An HTML form can POST application/x-www-form-urlencoded, multipart/form-data or text/plain to any site,
 * with the user's cookies and without a preflight: Yoga would parse the first two as GraphQL and run a
 * mutation. No feature of the gateway needs them.
 */
export function useJsonBodiesOnly(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const contentType = request.headers.get('content-type') ?? '';
      const semicolon = contentType.indexOf(';');
      const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
      if (!ACCEPTED.includes(mediaType)) throw requestRefusal(unsupportedMediaType(contentType || '(none)'));
    },
  };
}
