import { getOperationAST, OperationTypeNode, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unauthenticated, type GatewayError } from '../../errors.js';
import { requestRefusal } from '../../schema/to-graphql-error.js';
import type { Registry } from '../../model/registry.js';
import type { Scope } from '../../store/access.js';
import type { Authenticator, Caller } from '../authenticate.js';
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

/** Why the caller may not run an operation with these root fields at all, or null when it may. */
export type OperationAuthorizer = (caller: Caller, operation: OperationTypeNode, rootFields: Iterable<string>) => GatewayError | null;

/**
 * The whole-request answer to whether a caller may run an operation, on every path that executes one:
 * a token that matches no key, or a caller without a key, is UNAUTHENTICATED (HTTP 401); a key without
 * the scope on any model is FORBIDDEN (HTTP 403). Per-model rules are the store session's (it gets the
 * same caller's access), which is the authority: this is the early, whole-request answer.
 */
export function operationAuthorizer(authenticator: Authenticator, registry: Registry): OperationAuthorizer {
  if (authenticator.open) return () => null;
  const scopeOfRootField = rootFieldScopes(registry);
  return (caller, operation, rootFields) => {
    if (caller.kind === 'unknown') return unauthenticated('the token sent matches no configured key');
    for (const field of rootFields) {
      const scope = scopeOfRootField(operation, field);
      if (scope === null || caller.access.can(scope)) continue;
      return caller.kind === 'anonymous'
        ? unauthenticated(`${field} needs the ${scope} scope, which callers without a key lack`, { scope })
        : caller.access.refusal(scope, undefined, `run ${field}`);
    }
    return null;
  };
}

/** Refuses, before any resolver runs, an operation the caller holds no scope for at all (see operationAuthorizer). */
export function useAuth(authenticator: Authenticator, refusal: OperationAuthorizer): Plugin {
  if (authenticator.open) return {};
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const caller = authenticator.callerOf((args.contextValue as { request: Request }).request);
      const operation = getOperationAST(args.document, args.operationName);
      const error = refusal(
        caller,
        operation?.operation ?? OperationTypeNode.QUERY,
        operation ? rootFieldNames(args.document, operation) : [],
      );
      if (error) setResultAndStopExecution({ errors: [requestRefusal(error)] });
    },
  };
}

/** The names of an operation's root fields, each once. */
export const rootFieldNames = (document: DocumentNode, operation: OperationDefinitionNode): Set<string> =>
  new Set(rootFieldNodes(document, operation).map((node) => node.name.value));
