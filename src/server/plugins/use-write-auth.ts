import { timingSafeEqual } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unauthenticated } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';

/**
 * Refuses mutations without `Authorization: Bearer <token>` (UNAUTHENTICATED, HTTP 401); queries stay open.
 * A plugin of its own so that read scopes and per-model permissions can join it later.
 */
export function useWriteAuth(token: string | undefined): Plugin {
  if (!token) return {};
  const expected = Buffer.from(`Bearer ${token}`);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const request = (args.contextValue as { request?: Request }).request;
      const given = Buffer.from(request?.headers.get('authorization') ?? '');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
      setResultAndStopExecution({ errors: [requestRefusal(unauthenticated())] });
    },
  };
}
