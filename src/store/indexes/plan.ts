import { badUserInput, queryTooComplex } from '../../errors.js';
import type { Condition, FieldFilter, FilterValue } from '../../model/conditions.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { compare } from '../../model/conditions.js';
import type { FieldDescription } from '../../model/field-description.js';
import { fieldScore, indexKind, lexEscape } from './index-entries.js';

/**
 * What the finder script computes, as JSON: a tree whose leaves are index ranges and whose inner nodes
 * are set operations. Each node yields a set of pks.
 * ["all"] | ["none"] | ["null", field] | ["score", field, min, max]
 * | ["lex", field, lowerOp ("gt", "gte" or ""), lowerValue, upperOp ("lt", "lte" or ""), upperValue]
 * | ["and", ...nodes] | ["or", ...nodes] | ["not", node]
 * Score bounds use ZRANGE BYSCORE syntax ("(5", "-inf"); lex values are escaped texts, and the script
 * builds the byte ranges, since it alone can write the byte 0xFF.
 */
export type PlanNode = [string, ...unknown[]];

/** Limits that keep a plan within what one script handles (Lua unpacks at most about 8000 values). */
const MAX_IN = 1000;
const MAX_PLAN_NODES = 2000;

/**
 * Compiles a `where` and refuses one nested deeper than `maxWhereDepth` (QUERY_TOO_COMPLEX, checked on the
 * way down, so a deep tree is refused before it is walked) or too large for a script (BAD_USER_INPUT).
 */
export function compilePlan(model: ModelDefinition, where: Condition | null | undefined, maxWhereDepth: number): PlanNode {
  const plan = compileWhere(model, where, maxWhereDepth);
  const size = countNodes(plan);
  if (size > MAX_PLAN_NODES)
    throw badUserInput(
      `This where compiles to ${size} index operations; at most ${MAX_PLAN_NODES} are allowed. Split it into several queries.`,
    );
  return plan;
}

const countNodes = (node: PlanNode): number =>
  1 +
  node
    .slice(1)
    .reduce<number>(
      (sum, child) => sum + (Array.isArray(child) && typeof child[0] === 'string' && isPlanNode(child) ? countNodes(child) : 0),
      0,
    );
const isPlanNode = (value: unknown[]): value is PlanNode =>
  ['all', 'none', 'null', 'score', 'lex', 'and', 'or', 'not'].includes(value[0] as string);

/** Whether a plan selects every instance whatever the data: `{}`, `{ and: [{}] }`, `{ or: [{}, ...] }`, `{ not: { or: [] } }`. */
export function selectsAll(node: PlanNode): boolean {
  const children = node.slice(1) as PlanNode[];
  if (node[0] === 'all') return true;
  if (node[0] === 'and') return children.every(selectsAll);
  if (node[0] === 'or') return children.some(selectsAll);
  if (node[0] === 'not') return selectsNone(children[0] as PlanNode);
  return false;
}

function selectsNone(node: PlanNode): boolean {
  const children = node.slice(1) as PlanNode[];
  if (node[0] === 'none') return true;
  if (node[0] === 'and') return children.some(selectsNone);
  if (node[0] === 'or') return children.every(selectsNone);
  if (node[0] === 'not') return selectsAll(children[0] as PlanNode);
  return false;
}

/**
 * Compiles a `where` over indexed fields into a plan. The same null rules as the evaluator (model/conditions.ts).
 * A where's depth is 1, plus 1 for each `and`, `or` or `not` it is nested in.
 */
export function compileWhere(model: ModelDefinition, where: Condition | null | undefined, maxDepth = Infinity, depth = 1): PlanNode {
  if (!where) return ['all'];
  if (depth > maxDepth)
    throw queryTooComplex(
      `This where nests and, or and not ${depth} deep or more; at most ${maxDepth} levels are allowed. Flatten it: an and of ors, an or of ands.`,
      'maxWhereDepth',
      maxDepth,
    );
  const inner = (each: Condition) => compileWhere(model, each, maxDepth, depth + 1);
  const parts: PlanNode[] = [];
  for (const [name, operand] of Object.entries(where)) {
    if (operand === undefined || operand === null) continue;
    // An empty and holds always, an empty or never, as in the evaluator.
    if (name === 'and') parts.push((operand as Condition[]).length === 0 ? ['all'] : ['and', ...(operand as Condition[]).map(inner)]);
    else if (name === 'or') parts.push((operand as Condition[]).length === 0 ? ['none'] : ['or', ...(operand as Condition[]).map(inner)]);
    else if (name === 'not') parts.push(['not', inner(operand as Condition)]);
    else parts.push(compileFilter(model, name, operand as FieldFilter));
  }
  const selective = parts.filter((part) => part[0] !== 'all');
  if (selective.length === 0) return ['all'];
  return selective.length === 1 ? (selective[0] as PlanNode) : ['and', ...selective];
}

interface Bound {
  value: FilterValue;
  exclusive: boolean;
}

function compileFilter(model: ModelDefinition, name: string, filter: FieldFilter): PlanNode {
  const field = model.indexed.find((candidate) => candidate.name === name);
  if (!field)
    throw badUserInput(
      `${model.name}.${name} is not indexed; a where names only indexed fields (${model.indexed.map((each) => each.name).join(', ') || 'none'}).`,
      { field: name },
    );
  const lex = indexKind(field) === 'lex';
  const range = (lower: Bound | null, upper: Bound | null): PlanNode =>
    lex
      ? [
          'lex',
          name,
          lower ? (lower.exclusive ? 'gt' : 'gte') : '',
          lower ? lexEscape(String(lower.value)) : '',
          upper ? (upper.exclusive ? 'lt' : 'lte') : '',
          upper ? lexEscape(String(upper.value)) : '',
        ]
      : [
          'score',
          name,
          lower ? `${lower.exclusive ? '(' : ''}${bound(field, lower.value)}` : '-inf',
          upper ? `${upper.exclusive ? '(' : ''}${bound(field, upper.value)}` : '+inf',
        ];
  const point = (value: FilterValue) => range({ value, exclusive: false }, { value, exclusive: false });
  // A score field's ne is two ranges and its nulls (which ne matches, as in the evaluator): a union of
  // index ranges, instead of a difference with every pk. Strings keep the difference: their ranges cost
  // a pass in Lua per member, the difference does not.
  const notEqual = (value: FilterValue): PlanNode =>
    lex ? ['not', point(value)] : ['or', range(null, { value, exclusive: true }), range({ value, exclusive: true }, null), ['null', name]];

  // eq, gt, gte, lt and lte on one field narrow one range: one index read, not an intersection of halves.
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  const tighten = (current: Bound | null, next: Bound, sign: 1 | -1) => {
    if (!current) return next;
    const order = compare(next.value, current.value) * sign;
    return order > 0 || (order === 0 && next.exclusive) ? next : current;
  };
  if (filter.eq !== undefined && filter.eq !== null) {
    lower = tighten(lower, { value: filter.eq, exclusive: false }, 1);
    upper = tighten(upper, { value: filter.eq, exclusive: false }, -1);
  }
  if (filter.gt !== undefined && filter.gt !== null) lower = tighten(lower, { value: filter.gt, exclusive: true }, 1);
  if (filter.gte !== undefined && filter.gte !== null) lower = tighten(lower, { value: filter.gte, exclusive: false }, 1);
  if (filter.lt !== undefined && filter.lt !== null) upper = tighten(upper, { value: filter.lt, exclusive: true }, -1);
  if (filter.lte !== undefined && filter.lte !== null) upper = tighten(upper, { value: filter.lte, exclusive: false }, -1);

  const parts: PlanNode[] = [];
  if (lower || upper) parts.push(range(lower, upper));
  if (filter.eq === null) parts.push(['null', name]);
  if (filter.ne !== undefined) parts.push(filter.ne === null ? range(null, null) : notEqual(filter.ne));
  if (filter.in !== undefined && filter.in !== null && filter.in.length > MAX_IN) {
    throw badUserInput(`${model.name}.${name}: in lists ${filter.in.length} values; at most ${MAX_IN} are allowed.`, { field: name });
  }
  if (filter.in !== undefined && filter.in !== null) parts.push(filter.in.length === 0 ? ['none'] : ['or', ...filter.in.map(point)]);
  if (parts.length === 0) return ['all'];
  return parts.length === 1 ? (parts[0] as PlanNode) : ['and', ...parts];
}

/** Shortest text that parses back to the same double; -0 is 0, as Redis scores it. */
const bound = (field: FieldDescription, value: FilterValue) => String(fieldScore(field, value) + 0);
