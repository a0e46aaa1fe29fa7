import { getOperationAST, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unauthenticated } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';
import type { Registry } from '../../model/registry.js';
import type { Scope } from '../../store/access.js';
import type { Authenticator } from '../authenticate.js';
import { rootFieldNodes } from './root-fields.js';

/**
 * The scope each root field needs (see store/access.ts), by the names the registry generates: null for
 * introspection and `__typename`, which the `introspection` option governs. A mutation not listed
 * needs admin: a new one is closed until someone decides otherwise.
 */
export function rootFieldScopes(registry: Registry): (operation: OperationTypeNode, field: string) => Scope | null {
  const mutations = new Map<string, Scope>([
    ...['insertMany', 'deleteMany', 'setTtl'].map((field): [string, Scope] => [field, 'write']),
    ...['withLock', 'withLocks', 'acquireLock', 'extendLock', 'releaseLock'].map((field): [string, Scope] => [field, 'lock']),
  ]);
  for (const model of registry.models) {
    mutations.set(`delete${model.name}s`, 'write');
    mutations.set(`deleteAll${model.name}s`, 'admin');
  }
  return (operation, field) => {
    if (field.startsWith('__')) return null;
    if (operation === 'query') return 'read';
    return mutations.get(field) ?? 'admin';
  };
}

/**
 * Refuses, before any resolver runs, an operation the caller holds no scope for at all: a token that
 * matches no key, or a caller without a key, is UNAUTHENTICATED (HTTP 401); a key without the scope on
 * any model is FORBIDDEN (HTTP 403). Per-model rules are the store session's (it gets the same caller's
 * access), which is the authority: this is the early, whole-request answer.
 */
export function useAuth(authenticator: Authenticator, registry: Registry): Plugin {
  if (authenticator.open) return {};
  const scopeOfRootField = rootFieldScopes(registry);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request: Request }).request;
      const caller = authenticator.callerOf(request);
      if (caller.kind === 'unknown') {
        setResultAndStopExecution({ errors: [requestRefusal(unauthenticated('the token sent matches no configured key'))] });
        return;
      }
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      for (const field of new Set(rootFieldNodes(args.document, operation).map((node) => node.name.value))) {
        const scope = scopeOfRootField(operation.operation, field);
        if (scope === null || caller.access.can(scope)) continue;
        const error =
          caller.kind === 'anonymous'
            ? unauthenticated(`${field} needs the ${scope} scope, which callers without a key lack`, { scope })
            : caller.access.refusal(scope, undefined, `run ${field}`);
        setResultAndStopExecution({ errors: [requestRefusal(error)] });
        return;
      }
    },
  };
}
