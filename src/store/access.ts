import { forbidden } from '../errors.js';

/**
 * What a caller may do. Scopes are independent (admin does not imply write): a key holds exactly what
 * it lists.
 * - `read`: node, nodes, all<Model>s, models;
 * - `write`: insertMany, deleteMany, delete<Model>s, setTtl;
 * - `lock`: withLock, withLocks, acquireLock, extendLock, releaseLock (a lock answers and saves the model it locks);
 * - `admin`: deleteAll<Model>s.
 */
export type Scope = 'read' | 'write' | 'lock' | 'admin';

export const SCOPES: readonly Scope[] = ['read', 'write', 'lock', 'admin'];

/** Scopes, on every model or only on the models named. */
export interface Grant {
  scopes: readonly Scope[];
  /** Model names the scopes apply to. @default every model */
  models?: readonly string[] | undefined;
}

/**
 * A caller's permissions, pure and without GraphQL: the store session checks every key's model against
 * it before it reads or writes, so that every path (GraphQL or TypeScript) draws on one rule.
 */
export class Access {
  /** Per scope: every model (true), or the set of model names. */
  private readonly byScope = new Map<Scope, true | Set<string>>();

  /** `who` names the caller in refusals ("anonymous callers", "API key 2"). */
  constructor(
    grants: readonly Grant[],
    readonly who: string,
  ) {
    for (const grant of grants) {
      for (const scope of grant.scopes) {
        const held = this.byScope.get(scope);
        if (held === true) continue;
        if (!grant.models) this.byScope.set(scope, true);
        else this.byScope.set(scope, new Set([...(held ?? []), ...grant.models]));
      }
    }
  }

  /** Every scope on every model: the TypeScript store, and every caller when no key is configured. */
  static readonly full = new Access([{ scopes: SCOPES }], 'this caller');

  /** Whether the scope is held on `model`, or, without a model, on at least one model. */
  can(scope: Scope, model?: string): boolean {
    const held = this.byScope.get(scope);
    if (held === undefined) return false;
    return held === true || model === undefined || held.has(model);
  }

  /** Whether the scope is held on every model: lets the read path skip the per-key check. */
  canAll(scope: Scope): boolean {
    return this.byScope.get(scope) === true;
  }

  /** FORBIDDEN unless `can(scope, model)`; `what` names the operation, `key` the key when there is one. */
  check(scope: Scope, model: string | undefined, what: string, key?: string): void {
    if (!this.can(scope, model)) throw this.refusal(scope, model, what, key);
  }

  refusal(scope: Scope, model: string | undefined, what: string, key?: string) {
    const on = model === undefined ? '' : ` on model ${model}`;
    return forbidden(
      `${capitalise(this.who)} may not ${what}${key === undefined ? '' : ` ("${key}")`}: it needs the ${scope} scope${on}, which ${this.who} lacks. Use an API key that has it.`,
      { scope, ...(model === undefined ? {} : { model }), ...(key === undefined ? {} : { key }) },
    );
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
