/*
 * A read operation over the demo schema, as a small tree that fast-check can generate and shrink, and
 * its GraphQL text. The tree is typed by where it stands (a selection on Model, on User...), so every
 * generated operation passes validation: the comparison is about execution, not about which rules
 * refuse a document (the named examples cover a refused one).
 */

export type Condition = boolean | 'b0' | 'b1';
export interface Directive {
  name: 'skip' | 'include';
  /** A literal, or the Boolean! variable that holds it. */
  if: Condition;
}

export type Selection =
  | { kind: 'field'; name: string; alias: boolean; directive: Directive | null; selections: Selection[] | null }
  | { kind: 'inline'; on: string | null; directive: Directive | null; selections: Selection[] }
  | { kind: 'spread'; fragment: FragmentName; directive: Directive | null };

/** A key argument: written in the document, or passed in a variable (named `$k<n>` when printed). */
export interface KeyArg {
  value: string;
  asVariable: boolean;
}
/** A list of keys: one `[ID!]!` variable, or a list written in the document whose items may be variables. */
export type KeysArg = { asVariable: true; value: string[] } | { asVariable: false; items: KeyArg[] };

export type RootField =
  | { kind: 'node'; alias: boolean; key: KeyArg; selections: Selection[] }
  | { kind: 'nodes'; alias: boolean; keys: KeysArg; skipMissing: boolean | null; selections: Selection[] }
  | { kind: 'allUsers'; alias: boolean; minAge: number | null; first: number; selections: Selection[] }
  | { kind: 'allOrders'; alias: boolean; status: 'PENDING' | 'PAID' | null; first: number; selections: Selection[] }
  | { kind: 'typename'; alias: boolean };

export interface Operation {
  roots: RootField[];
  /** Values of the Boolean! variables the directives may name. */
  b0: boolean;
  b1: boolean;
}

/** Named fragments an operation may spread; each spread brings its definition (and those it spreads). */
export const FRAGMENTS = {
  ModelBits: { on: 'Model', text: 'key pk ttl' },
  NodeBits: { on: 'Node', text: 'id __typename' },
  AnyBits: { on: 'AnyModel', text: '__typename ... on Product { name tags }' },
  UserBits: { on: 'User', text: 'name age email balance' },
  ProductBits: { on: 'Product', text: 'name price inStock stock' },
  OrderBits: { on: 'Order', text: 'quantity status placedAt user { ...UserBits } product { pk ...ModelBits }' },
} as const;
export type FragmentName = keyof typeof FRAGMENTS;
const SPREADS_IN: Record<FragmentName, FragmentName[]> = {
  ModelBits: [],
  NodeBits: [],
  AnyBits: [],
  UserBits: [],
  ProductBits: [],
  OrderBits: ['UserBits', 'ModelBits'],
};

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** The operation as a client would send it: its text, with only the variables and fragments it uses. */
export function toRequest(operation: Operation): GraphQLRequest {
  const declarations = new Map<string, string>();
  const variables: Record<string, unknown> = {};
  const fragments = new Set<FragmentName>();
  const useFragment = (name: FragmentName) => {
    fragments.add(name);
    SPREADS_IN[name].forEach(useFragment);
  };
  const condition = (value: Condition) => {
    if (typeof value === 'boolean') return String(value);
    declarations.set(value, 'Boolean!');
    variables[value] = operation[value];
    return `$${value}`;
  };
  const directive = (d: Directive | null) => (d ? ` @${d.name}(if: ${condition(d.if)})` : '');
  const variable = (type: string, value: unknown) => {
    const name = `k${declarations.size}`;
    declarations.set(name, type);
    variables[name] = value;
    return `$${name}`;
  };
  const key = (arg: KeyArg) => (arg.asVariable ? variable('ID!', arg.value) : JSON.stringify(arg.value));
  const keys = (arg: KeysArg) => (arg.asVariable ? variable('[ID!]!', arg.value) : `[${arg.items.map(key).join(', ')}]`);
  const selections = (list: Selection[]): string => `{ ${list.map(selection).join(' ')} }`;
  const selection = (s: Selection): string => {
    if (s.kind === 'spread') {
      useFragment(s.fragment);
      return `...${s.fragment}${directive(s.directive)}`;
    }
    if (s.kind === 'inline') return `...${s.on ? ` on ${s.on}` : ''}${directive(s.directive)} ${selections(s.selections)}`;
    // An alias is named after its field, so that two of them never ask one response name for two fields.
    const alias = s.alias ? `a_${s.name}: ` : '';
    return `${alias}${s.name}${directive(s.directive)}${s.selections ? ` ${selections(s.selections)}` : ''}`;
  };
  const seen = new Set<string>();
  const root = (field: RootField, index: number): string => {
    const name = field.kind === 'typename' ? '__typename' : field.kind;
    // The same root field twice needs an alias (different arguments would not merge).
    const alias = field.alias || seen.has(name) ? `r${index}: ` : '';
    seen.add(name);
    switch (field.kind) {
      case 'typename':
        return `${alias}__typename`;
      case 'node':
        return `${alias}node(key: ${key(field.key)}) ${selections(field.selections)}`;
      case 'nodes': {
        const skip = field.skipMissing === null ? '' : `, skipMissing: ${field.skipMissing}`;
        return `${alias}nodes(keys: ${keys(field.keys)}${skip}) ${selections(field.selections)}`;
      }
      case 'allUsers': {
        const where = field.minAge === null ? '' : `where: { age: { gte: ${field.minAge} } }, `;
        return `${alias}allUsers(${where}first: ${field.first}) { totalCount edges { cursor node ${selections(field.selections)} } pageInfo { hasNextPage endCursor } }`;
      }
      case 'allOrders': {
        const where = field.status === null ? '' : `where: { status: { eq: ${field.status} } }, `;
        return `${alias}allOrders(${where}first: ${field.first}) { edges { node ${selections(field.selections)} } }`;
      }
    }
  };
  // Root fields first: printing them declares the variables and collects the fragments.
  const rootText = `{ ${operation.roots.map(root).join(' ')} }`;
  const header = declarations.size ? `query Q(${[...declarations].map(([name, type]) => `$${name}: ${type}`).join(', ')}) ` : '';
  const definitions = [...fragments].map((name) => `fragment ${name} on ${FRAGMENTS[name].on} { ${FRAGMENTS[name].text} }`);
  return { query: [header + rootText, ...definitions].join('\n'), variables };
}
