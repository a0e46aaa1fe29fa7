/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation InsertMany($models: [ModelInput!]!, $onConflict: OnConflict) {\n  insertMany(models: $models, onConflict: $onConflict) {\n    key\n    pk\n    ttl\n    ... on User {\n      name\n      age\n      email\n      balance\n    }\n    ... on Product {\n      name\n      price\n      inStock\n      stock\n      tags\n    }\n    ... on Order {\n      userId\n      productId\n      quantity\n      status\n      placedAt\n    }\n  }\n}": typeof types.InsertManyDocument,
    "fragment ShopFields on Model {\n  key\n  pk\n  ... on User {\n    name\n    age\n    email\n    balance\n  }\n  ... on Product {\n    name\n    price\n    inStock\n    stock\n    tags\n  }\n  ... on Order {\n    userId\n    productId\n    quantity\n    status\n    placedAt\n  }\n}\n\nquery Node($key: ID!) {\n  node(key: $key) {\n    ...ShopFields\n  }\n}\n\nquery NodeWithTtl($key: ID!) {\n  node(key: $key) {\n    key\n    ttl\n  }\n}\n\nquery Nodes($keys: [ID!]!, $skipMissing: Boolean) {\n  nodes(keys: $keys, skipMissing: $skipMissing) {\n    ...ShopFields\n  }\n}\n\nquery NodesWithTtl($keys: [ID!]!) {\n  nodes(keys: $keys) {\n    key\n    ttl\n  }\n}\n\nquery NodeAndNodes($k1: ID!, $k2: ID!, $k3: ID!) {\n  a: node(key: $k1) {\n    key\n  }\n  b: nodes(keys: [$k2, $k3]) {\n    key\n  }\n}\n\nquery Models {\n  models {\n    name\n    keyPrefix\n    ttl\n    refreshTtl\n    fields {\n      name\n      type\n      isKey\n    }\n  }\n}": typeof types.ShopFieldsFragmentDoc,
};
const documents: Documents = {
    "mutation InsertMany($models: [ModelInput!]!, $onConflict: OnConflict) {\n  insertMany(models: $models, onConflict: $onConflict) {\n    key\n    pk\n    ttl\n    ... on User {\n      name\n      age\n      email\n      balance\n    }\n    ... on Product {\n      name\n      price\n      inStock\n      stock\n      tags\n    }\n    ... on Order {\n      userId\n      productId\n      quantity\n      status\n      placedAt\n    }\n  }\n}": types.InsertManyDocument,
    "fragment ShopFields on Model {\n  key\n  pk\n  ... on User {\n    name\n    age\n    email\n    balance\n  }\n  ... on Product {\n    name\n    price\n    inStock\n    stock\n    tags\n  }\n  ... on Order {\n    userId\n    productId\n    quantity\n    status\n    placedAt\n  }\n}\n\nquery Node($key: ID!) {\n  node(key: $key) {\n    ...ShopFields\n  }\n}\n\nquery NodeWithTtl($key: ID!) {\n  node(key: $key) {\n    key\n    ttl\n  }\n}\n\nquery Nodes($keys: [ID!]!, $skipMissing: Boolean) {\n  nodes(keys: $keys, skipMissing: $skipMissing) {\n    ...ShopFields\n  }\n}\n\nquery NodesWithTtl($keys: [ID!]!) {\n  nodes(keys: $keys) {\n    key\n    ttl\n  }\n}\n\nquery NodeAndNodes($k1: ID!, $k2: ID!, $k3: ID!) {\n  a: node(key: $k1) {\n    key\n  }\n  b: nodes(keys: [$k2, $k3]) {\n    key\n  }\n}\n\nquery Models {\n  models {\n    name\n    keyPrefix\n    ttl\n    refreshTtl\n    fields {\n      name\n      type\n      isKey\n    }\n  }\n}": types.ShopFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation InsertMany($models: [ModelInput!]!, $onConflict: OnConflict) {\n  insertMany(models: $models, onConflict: $onConflict) {\n    key\n    pk\n    ttl\n    ... on User {\n      name\n      age\n      email\n      balance\n    }\n    ... on Product {\n      name\n      price\n      inStock\n      stock\n      tags\n    }\n    ... on Order {\n      userId\n      productId\n      quantity\n      status\n      placedAt\n    }\n  }\n}"): (typeof documents)["mutation InsertMany($models: [ModelInput!]!, $onConflict: OnConflict) {\n  insertMany(models: $models, onConflict: $onConflict) {\n    key\n    pk\n    ttl\n    ... on User {\n      name\n      age\n      email\n      balance\n    }\n    ... on Product {\n      name\n      price\n      inStock\n      stock\n      tags\n    }\n    ... on Order {\n      userId\n      productId\n      quantity\n      status\n      placedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ShopFields on Model {\n  key\n  pk\n  ... on User {\n    name\n    age\n    email\n    balance\n  }\n  ... on Product {\n    name\n    price\n    inStock\n    stock\n    tags\n  }\n  ... on Order {\n    userId\n    productId\n    quantity\n    status\n    placedAt\n  }\n}\n\nquery Node($key: ID!) {\n  node(key: $key) {\n    ...ShopFields\n  }\n}\n\nquery NodeWithTtl($key: ID!) {\n  node(key: $key) {\n    key\n    ttl\n  }\n}\n\nquery Nodes($keys: [ID!]!, $skipMissing: Boolean) {\n  nodes(keys: $keys, skipMissing: $skipMissing) {\n    ...ShopFields\n  }\n}\n\nquery NodesWithTtl($keys: [ID!]!) {\n  nodes(keys: $keys) {\n    key\n    ttl\n  }\n}\n\nquery NodeAndNodes($k1: ID!, $k2: ID!, $k3: ID!) {\n  a: node(key: $k1) {\n    key\n  }\n  b: nodes(keys: [$k2, $k3]) {\n    key\n  }\n}\n\nquery Models {\n  models {\n    name\n    keyPrefix\n    ttl\n    refreshTtl\n    fields {\n      name\n      type\n      isKey\n    }\n  }\n}"): (typeof documents)["fragment ShopFields on Model {\n  key\n  pk\n  ... on User {\n    name\n    age\n    email\n    balance\n  }\n  ... on Product {\n    name\n    price\n    inStock\n    stock\n    tags\n  }\n  ... on Order {\n    userId\n    productId\n    quantity\n    status\n    placedAt\n  }\n}\n\nquery Node($key: ID!) {\n  node(key: $key) {\n    ...ShopFields\n  }\n}\n\nquery NodeWithTtl($key: ID!) {\n  node(key: $key) {\n    key\n    ttl\n  }\n}\n\nquery Nodes($keys: [ID!]!, $skipMissing: Boolean) {\n  nodes(keys: $keys, skipMissing: $skipMissing) {\n    ...ShopFields\n  }\n}\n\nquery NodesWithTtl($keys: [ID!]!) {\n  nodes(keys: $keys) {\n    key\n    ttl\n  }\n}\n\nquery NodeAndNodes($k1: ID!, $k2: ID!, $k3: ID!) {\n  a: node(key: $k1) {\n    key\n  }\n  b: nodes(keys: [$k2, $k3]) {\n    key\n  }\n}\n\nquery Models {\n  models {\n    name\n    keyPrefix\n    ttl\n    refreshTtl\n    fields {\n      name\n      type\n      isKey\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;