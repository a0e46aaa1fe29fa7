import { badUserInput } from '../../errors.js';
import type { Condition, FieldFilter, FilterValue } from '../../model/conditions.js';
import type { ModelDefinition } from '../../model/define-model.js';
import { indexKind, lexEscape, scoreOf } from './index-entries.js';

/**
 * What the finder script computes, as JSON: a tree whose leaves are index ranges and whose inner nodes
 * are set operations. Each node yields a set of pks.
 * ["all"] | ["none"] | ["null", field] | ["score", field, min, max] | ["lex", field, op, escapedValue]
 * | ["and", ...nodes] | ["or", ...nodes] | ["not", node]
 * Score bounds use ZRANGE BYSCORE syntax ("(5", "-inf"); lex ops are eq, gt, gte, lt, lte, present,
 * and the script builds the byte ranges, since it alone can write the byte 0xFF.
 */
export type PlanNode = [string, ...unknown[]];

const RANGE_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;

/** Compiles a `where` over indexed fields into a plan. The same null rules as the evaluator (model/conditions.ts). */
export function compileWhere(model: ModelDefinition, where: Condition | null | undefined): PlanNode {
  if (!where) return ['all'];
  const parts: PlanNode[] = [];
  for (const [name, operand] of Object.entries(where)) {
    if (operand === undefined || operand === null) continue;
    // An empty and holds always, an empty or never, as in the evaluator.
    if (name === 'and') parts.push((operand as Condition[]).length === 0 ? ['all'] : ['and', ...(operand as Condition[]).map((each) => compileWhere(model, each))]);
    else if (name === 'or') parts.push((operand as Condition[]).length === 0 ? ['none'] : ['or', ...(operand as Condition[]).map((each) => compileWhere(model, each))]);
    else if (name === 'not') parts.push(['not', compileWhere(model, operand as Condition)]);
    else parts.push(compileFilter(model, name, operand as FieldFilter));
  }
  const selective = parts.filter((part) => part[0] !== 'all');
  if (selective.length === 0) return ['all'];
  return selective.length === 1 ? (selective[0] as PlanNode) : ['and', ...selective];
}

function compileFilter(model: ModelDefinition, name: string, filter: FieldFilter): PlanNode {
  const field = model.indexed.find((candidate) => candidate.name === name);
  if (!field) throw badUserInput(`${model.name}.${name} is not indexed; a where names only indexed fields (${model.indexed.map((each) => each.name).join(', ') || 'none'}).`, { field: name });
  const lex = indexKind(field) === 'lex';
  const point = (value: FilterValue): PlanNode => (lex ? ['lex', name, 'eq', lexEscape(String(value))] : ['score', name, bound(value), bound(value)]);
  const present: PlanNode = lex ? ['lex', name, 'present', ''] : ['score', name, '-inf', '+inf'];
  const parts: PlanNode[] = [];
  if (filter.eq !== undefined) parts.push(filter.eq === null ? ['null', name] : point(filter.eq));
  if (filter.ne !== undefined) parts.push(filter.ne === null ? present : ['not', point(filter.ne)]);
  if (filter.in !== undefined && filter.in !== null) parts.push(filter.in.length === 0 ? ['none'] : ['or', ...filter.in.map(point)]);
  for (const operator of RANGE_OPERATORS) {
    const value = filter[operator];
    if (value === undefined || value === null) continue;
    if (lex) parts.push(['lex', name, operator, lexEscape(String(value))]);
    else {
      const exclusive = operator === 'gt' || operator === 'lt';
      const edge = `${exclusive ? '(' : ''}${bound(value)}`;
      parts.push(operator.startsWith('g') ? ['score', name, edge, '+inf'] : ['score', name, '-inf', edge]);
    }
  }
  if (parts.length === 0) return ['all'];
  return parts.length === 1 ? (parts[0] as PlanNode) : ['and', ...parts];
}

/** Shortest text that parses back to the same double; -0 is 0, as Redis scores it. */
const bound = (value: FilterValue) => String(scoreOf(value) + 0);
