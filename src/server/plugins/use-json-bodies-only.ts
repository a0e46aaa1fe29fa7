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
      if (!ACCEPTED.includes(mediaTypeOf(contentType))) throw requestRefusal(unsupportedMediaType(contentType || '(none)'));
    },
  };
}

/** The media type of a Content-Type header, without its parameters, lower case. */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
