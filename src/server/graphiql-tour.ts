import { parse, validate, type GraphQLSchema } from 'graphql';

const READ = `# Read: models by key in one Redis command; missing keys skipped.
query Read {
  nodes(keys: ["User:alice", "Product:book", "User:nobody"], skipMissing: true) {
    key
    ... on User { name balance }
    ... on Product { name price stock }
  }
}
`;

/** Under `relay: true` the read goes through Relay's `nodes(ids:)`, where a missing id is null. */
const RELAY_READ = `# Read: models by id in one Redis command; a missing id is null.
query Read {
  nodes(ids: ["User:alice", "Product:book", "User:nobody"]) {
    id
    ... on User { name balance }
    ... on Product { name price stock }
  }
}
`;

/**
 * Preloaded in GraphiQL. Every operation is named, so that the run button offers them by name, and each
 * follows a comment saying what it shows. The shop tour starts with its own writes, so that it runs as
 * written on an empty database, one Redis or a cluster (whose slots its pks do not share: the seed is
 * PER_SLOT), and touches only User and Product.
 */
const shopTour = (read: string) => `# A tour of the demo shop, from an empty database: run the
# operations in order with the run button (or Ctrl-Enter).

# Seed: users and a product, our own pks: atomic per hash slot (one on one Redis).
mutation Seed {
  insertMany(atomicity: PER_SLOT, models: [
    { user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }
    { user: { pk: "bob", name: "Bob", age: 17, email: "bob@example.com", balance: 5 } }
    { user: { pk: "carol", name: "Carol", age: 45, email: "carol@example.com", balance: 40 } }
    { product: { pk: "book", name: "Book", price: 12, stock: 10 } }
  ]) { key }
}

${read}
# Find: the adults, oldest first, through the age index, counted.
query Find {
  allUsers(where: { age: { gte: 18 } }, orderBy: { field: age, direction: DESC }, first: 10) {
    totalCount
    edges { node { name age } }
  }
}

# Purchase: under a lock, Alice pays 12 if her balance covers it.
mutation Purchase {
  withLock(
    key: "User:alice"
    action: "purchase"
    when: { user: { balance: { gte: 12 } } }
    update: { user: { inc: { balance: -12 } } }
  ) {
    applied
    model { ... on User { name balance } }
  }
}
`;

export const SHOP_TOUR = shopTour(READ);
export const RELAY_SHOP_TOUR = shopTour(RELAY_READ);

/** Any registry: what it serves. */
export const MODELS_TOUR = `# Every model this gateway serves: its key prefix and its fields.
query Models {
  models { name keyPrefix ttl fields { name type isKey } }
}
`;

/**
 * The shop tour when the served schema accepts it as written (the demo shop, or models shaped like it,
 * in either mode of `node`), the registry's description otherwise: a preloaded query that fails
 * validation would be a poor welcome.
 */
export function graphiqlTour(schema: GraphQLSchema): string {
  return [SHOP_TOUR, RELAY_SHOP_TOUR].find((tour) => validate(schema, parse(tour)).length === 0) ?? MODELS_TOUR;
}
