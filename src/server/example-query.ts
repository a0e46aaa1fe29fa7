/** Preloaded in GraphiQL: a first look at the registry, then a write and a read of the demo shop. */
const MODELS_QUERY = `# Every registered model, its key prefix and fields:
query Models {
  models { name keyPrefix ttl fields { name type isKey } }
}
`;

const SHOP_QUERIES = `
# Insert a user and a product with pks of our own, so that we know their keys:
mutation Seed {
  insertMany(models: [
    { user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }
    { product: { pk: "book", name: "Book", price: 12.5, stock: 10 } }
  ]) { key }
}

# Read them back, in key order, in one Redis command:
query Read {
  nodes(keys: ["User:alice", "Product:book", "User:nobody"], skipMissing: true) {
    key
    ... on User { name balance }
    ... on Product { name stock }
  }
}
`;

/** The demo shop's tour when the demo models are served; the registry's description otherwise. */
export const exampleQuery = (modelNames: readonly string[]) =>
  ['User', 'Product'].every((name) => modelNames.includes(name)) ? `${MODELS_QUERY}\n${SHOP_QUERIES}` : MODELS_QUERY;
