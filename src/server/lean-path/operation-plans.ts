import { getOperationAST, type GraphQLSchema, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { compileOperation, type CompiledOperation } from '../../execution/compiled-operation.js';
import type { Registry } from '../../model/registry.js';
import { documentSize } from '../parse-cache.js';
import { rootFieldNames } from '../plugins/use-auth.js';
import { operationShape, type OperationShape } from '../plugins/use-cost-estimate.js';
import type { ServerLimits } from '../server-limits.js';

/** What the lean path knows of an operation Yoga has parsed, validated and begun to execute. */
export interface OperationPlan {
  /** null: the general path serves every request of this operation. */
  compiled: CompiledOperation | null;
  operation: OperationTypeNode;
  /** For the auth check (operationAuthorizer). */
  rootFields: ReadonlySet<string>;
  /** For the cost estimate (costRefusal). */
  shape: OperationShape | null;
}

/**
 * The operations the lean path may serve, by query text and operation name: only those that passed
 * every check of Yoga's that depends on the text alone (parse, the shape limits, validation with the
 * gateway's rules), learnt when Yoga goes on to execute one. The checks that depend on the request (body,
 * variables, caller, cost) are made again on every request, on whichever path serves it.
 * Bounded like the parse cache, by entries and by bytes.
 */
export class OperationPlans {
  private readonly plans: LRUCache<string, OperationPlan>;
  private readonly queries = new WeakMap<Request, string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly registry: Registry,
    limits: Pick<ServerLimits, 'parseCacheBytes' | 'parseCacheEntries'>,
  ) {
    this.plans = new LRUCache<string, OperationPlan>({
      max: limits.parseCacheEntries,
      maxSize: limits.parseCacheBytes,
      sizeCalculation: (_plan, key) => key.length || 1,
    });
  }

  /** The plan of an operation, if Yoga has executed it before and the cache still holds it. */
  get(query: string, operationName: string | null | undefined): OperationPlan | undefined {
    return this.plans.get(keyOf(query, operationName));
  }

  /** Learns each operation Yoga executes: put it before every plugin that may refuse one in onExecute. */
  readonly plugin: Plugin = {
    onParams: ({ params, request }) => {
      if (typeof params.query === 'string') this.queries.set(request, params.query);
    },
    onExecute: ({ args }) => {
      const request = (args.contextValue as { request?: Request }).request;
      const query = request && this.queries.get(request);
      if (query === undefined) return;
      const key = keyOf(query, args.operationName);
      if (this.plans.has(key)) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const compiled = compileOperation(this.schema, this.registry, args.document, args.operationName);
      const plan: OperationPlan = {
        compiled,
        operation: operation.operation,
        rootFields: rootFieldNames(args.document, operation),
        shape: operationShape(this.schema, args.document, args.operationName),
      };
      // The document, and each plan the operation may generate, whose code grows with the document.
      this.plans.set(key, plan, { size: documentSize(args.document, key) * (1 + (compiled?.variants ?? 0)) });
    },
  };
}

/** Unambiguous: an operation name is at most a prefix of known length, and no name differs from an empty one. */
const keyOf = (query: string, operationName: string | null | undefined) =>
  operationName == null ? query : `${operationName.length}:${operationName}:${query}`;
