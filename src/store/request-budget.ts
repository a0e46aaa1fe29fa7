import { queryTooExpensive, tooManyKeys } from '../errors.js';
import { FIRST } from './indexes/find-models.js';

/** The per-request limits every read draws on; part of StoreLimits. */
export interface BudgetLimits {
  /** Most keys one request (a GraphQL request, or one Store call or session) may read, over every path together. @default 1000 */
  maxKeys: number;
  /**
   * Most cost one request may run up: each key read costs 1, each finder page its `first`, each
   * GraphQL root field (alias) 1. Above what `nodes` of 1000 keys costs (1001), far below 10,000 aliases of
   * `models` or 60 pages of 1000. @default 5000
   */
  maxCost: number;
  /**
   * Most work one finder page, or one step of a delete by where, may make Redis do, as the script
   * estimates it from index sizes before it builds anything (QUERY_TOO_EXPENSIVE beyond). A unit is about
   * one index member copied; the default keeps a script near 50 ms at 100k instances (docs/finders.md).
   * Every finder page of one request shares it, so that aliases cannot multiply it. @default 20000
   */
  maxFinderWork: number;
}

/** What one read takes out of the budget. */
export interface Draw {
  keys: number;
  cost: number;
}

/** Reading `count` keys (duplicates counted: the limit errs on the safe side). */
export const keysRead = (count: number): Draw => ({ keys: count, cost: count });

/** A finder page of `first` documents; a `first` out of range costs at most the largest page, and the finder refuses it. */
export const pageRead = (first: number): Draw => ({
  keys: 0,
  cost: Number.isInteger(first) ? Math.min(Math.max(first, FIRST.min), FIRST.max) : FIRST.max,
});

/** One GraphQL root field or alias: a resolver run and at least one round trip. */
export const fieldRun: Draw = { keys: 0, cost: 1 };

/** The sum of several draws, for an estimate of a whole operation. */
export const totalOf = (draws: readonly Draw[]): Draw =>
  draws.reduce((total, draw) => ({ keys: total.keys + draw.keys, cost: total.cost + draw.cost }), { keys: 0, cost: 0 });

/**
 * One request's keys and cost, checked before each read: the one place maxKeys and maxCost are
 * enforced. A refused draw takes nothing, so the error names exactly what the request would have reached.
 */
export class RequestBudget {
  private keys = 0;
  private cost = 0;
  private work = 0;

  constructor(readonly limits: BudgetLimits) {}

  /** Takes `draw` from the budget, or throws TOO_MANY_KEYS or QUERY_TOO_EXPENSIVE and takes nothing. */
  draw({ keys, cost }: Draw): void {
    if (this.keys + keys > this.limits.maxKeys) throw tooManyKeys(this.keys + keys, this.limits.maxKeys, 'keys', 'maxKeys');
    if (this.cost + cost > this.limits.maxCost) throw queryTooExpensive('This request', this.cost + cost, this.limits.maxCost, 'maxCost');
    this.keys += keys;
    this.cost += cost;
  }

  /** The finder work this request has left: the most the next finder page may be estimated at. */
  get finderWorkLeft(): number {
    return Math.max(0, this.limits.maxFinderWork - this.work);
  }

  /** Records the work a finder page was estimated at, after the script checked it against finderWorkLeft. */
  drawFinderWork(units: number): void {
    this.work += units;
  }

  /** What the request has drawn so far. */
  get spent(): Draw {
    return { keys: this.keys, cost: this.cost };
  }

  /** Whether `draw` would be taken now, without taking it. */
  allows({ keys, cost }: Draw): boolean {
    return this.keys + keys <= this.limits.maxKeys && this.cost + cost <= this.limits.maxCost;
  }

  /**
   * Gives back everything drawn since `spent` was read. For an execution path that stops partway and
   * hands the request to another path, which draws the same reads again: the request pays for them once.
   */
  rewindTo(spent: Draw): void {
    this.keys = spent.keys;
    this.cost = spent.cost;
  }
}
