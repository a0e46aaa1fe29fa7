import { getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Registry } from '../model/registry.js';
import type { StoreSession } from '../store/store-session.js';
import { conditionVariables, fragmentsUsedBy } from './operation-parts.js';
import { rootPlan, type RootStep } from './root-plan.js';
import { runPlan } from './run-plan.js';
import type { SelectionScope } from './selection-scope.js';
import { readsOnlyNodes } from './supported-operation.js';
import { variablesCoercer } from './variable-values.js';

/** What a compiled run answers when the request is the general path's to answer. */
export const HANDOVER: unique symbol = Symbol('handover');

export interface CompiledOperation {
  /**
   * Runs the operation for one request. Resolves to the response body, byte for byte what the
   * general path (graphql-js through Yoga) sends when it answers without errors, or to HANDOVER when
   * the answer would hold an error or anything else this plan does not reproduce. Never rejects.
   *
   * After a HANDOVER the session is as the general path expects it: whatever the run drew from the
   * budget is given back, and what it read stays in the session's loader, so answering the request
   * with the same session reads nothing twice.
   */
  run(session: StoreSession, variables: Record<string, unknown> | undefined): Promise<string | typeof HANDOVER>;
  /** The most plans it will generate (one per set of `@skip`/`@include` variable values): what a cache of operations sizes it by. */
  readonly variants: number;
}

/**
 * Plans kept per operation, one per set of `@skip`/`@include` variable values. Beyond, requests are
 * handed over rather than compiled one by one: generating a plan costs far more than running one.
 */
const MAX_PLANS = 16;

/**
 * Compiles a parsed and validated document's operation for `run`, or null when it is not one this
 * path answers (anything but a query of `node`, `nodes` and `__typename` over models' own fields);
 * the general path serves those. Compiling costs what it costs once; running is what must be cheap.
 */
export function compileOperation(
  schema: GraphQLSchema,
  registry: Registry,
  document: DocumentNode,
  operationName: string | null | undefined,
): CompiledOperation | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const fragments = fragmentsUsedBy(document, operation);
  if (!readsOnlyNodes(schema, operation, fragments)) return null;
  const conditions = conditionVariables(operation, fragments);
  const coerceVariables = variablesCoercer(schema, operation.variableDefinitions ?? []);
  const plans = new Map<string, RootStep[] | null>();

  const planFor = (variables: Readonly<Record<string, unknown>>): RootStep[] | null | undefined => {
    let vector = '';
    for (const name of conditions) {
      const value = variables[name];
      // Anything but a boolean fails the directive's `if: Boolean!` in graphql-js.
      if (value === true) vector += '1';
      else if (value === false) vector += '0';
      else return undefined;
    }
    if (plans.has(vector)) return plans.get(vector);
    if (plans.size >= MAX_PLANS) return undefined;
    const scope: SelectionScope = { schema, fragments, variables };
    const plan = rootPlan(scope, registry, operation);
    plans.set(vector, plan);
    return plan;
  };

  return {
    variants: Math.min(2 ** conditions.length, MAX_PLANS),
    async run(session, inputs) {
      const spent = session.budget.spent;
      try {
        const variables = coerceVariables(inputs ?? {});
        if (!variables) return HANDOVER;
        const plan = planFor(variables);
        if (!plan) return HANDOVER;
        return await runPlan(plan, session, variables);
      } catch {
        session.budget.rewindTo(spent);
        return HANDOVER;
      }
    },
  };
}
