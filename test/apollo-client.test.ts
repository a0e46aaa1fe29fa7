import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { ApolloClient, gql, HttpLink, InMemoryCache, type TypedDocumentNode, type TypePolicies } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { possibleTypes } from '../src/index.js';
import { openSiblingGateway, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * A real Apollo Client (its core entry, no React) against the gateway on a real port: InMemoryCache as
 * it comes, plus the possibleTypes the package exports. Nothing tells Apollo how to identify a model:
 * it finds `__typename` and `id` on its own.
 */

let t: TestGateway;
let server: Server;
let url: string;
/** HTTP requests the client sent, to show what it answered from its cache. */
let requests: string[] = [];

beforeAll(async () => {
  t = await openTestGateway();
  server = createServer(t.gateway.yoga).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});
beforeEach(async () => {
  await t.redis.flush();
  requests = [];
  // Documents of different slots on a cluster: written one slot at a time.
  const seeded = await t.execute(`mutation {
    insertMany(atomicity: PER_SLOT, models: [
      { user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }
      { user: { pk: "bob", name: "Bob", age: 41, email: "bob@example.com", balance: 5 } }
      { user: { pk: "carol", name: "Carol", age: 25, email: "carol@example.com", balance: 7 } }
      { product: { pk: "book", name: "Book", price: 12.5, stock: 3 } }
    ]) { id }
  }`);
  expect(seeded.errors).toBeUndefined();
});

function apolloClient(options: { possibleTypes?: boolean; typePolicies?: TypePolicies } = {}) {
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(JSON.parse(String(init?.body)).operationName);
    return fetch(input, init);
  };
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: countingFetch }),
    cache: new InMemoryCache({
      ...(options.possibleTypes === false ? {} : { possibleTypes: possibleTypes(t.gateway.schema) }),
      ...(options.typePolicies ? { typePolicies: options.typePolicies } : {}),
    }),
  });
}

/** What a finder query answers, for the typed documents below. */
interface UserPage<Node> {
  allUsers: { edges: Array<{ cursor: string; node: Node }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
const names = (page: UserPage<{ name: string }> | undefined) => page?.allUsers.edges.map((edge) => edge.node.name);

const USERS: TypedDocumentNode<UserPage<{ id: string; name: string; balance: number }>> = gql`
  query Users {
    allUsers(first: 10) {
      edges {
        node {
          id
          name
          balance
        }
      }
    }
  }
`;

describe('Apollo Client with the default InMemoryCache', () => {
  it('normalizes a model by __typename and id: a user read by two queries is one cache entry', async () => {
    const client = apolloClient();
    await client.query({ query: USERS });
    const one = await client.query({
      query: gql`
        query Alice {
          node(key: "User:alice") {
            id
            ... on User {
              name
              age
            }
          }
        }
      `,
    });
    expect(one.data).toEqual({ node: { __typename: 'User', id: 'User:alice', name: 'Alice', age: 30 } });
    const cache = client.cache.extract() as Record<string, Record<string, unknown>>;
    expect(Object.keys(cache).filter((id) => id.includes('alice'))).toEqual(['User:User:alice']);
    // Both queries' fields are merged into that one entry.
    expect(cache['User:User:alice']).toMatchObject({ name: 'Alice', age: 30, balance: 100 });
    client.stop();
  });

  it('shows an update made by withLock in a cached list, without fetching the list again', async () => {
    const client = apolloClient();
    await client.query({ query: USERS });
    const { data } = await client.mutate({
      mutation: gql`
        mutation Pay {
          withLock(key: "User:alice", action: "purchase", update: { user: { inc: { balance: -10 } } }) {
            key
            applied
            model {
              id
              ... on User {
                balance
              }
            }
          }
        }
      `,
    });
    expect(data).toMatchObject({ withLock: { key: 'User:alice', applied: true, model: { id: 'User:alice', balance: 90 } } });
    const list = await client.query({ query: USERS, fetchPolicy: 'cache-only' });
    expect(list.data?.allUsers.edges.map((edge) => [edge.node.name, edge.node.balance])).toEqual([
      ['Alice', 90],
      ['Bob', 5],
      ['Carol', 7],
    ]);
    expect(requests).toEqual(['Users', 'Pay']);
    // The lock result repeats the key but has no id: it is not an entry of its own, and the user's is whole.
    const cache = client.cache.extract() as Record<string, Record<string, unknown>>;
    expect(Object.keys(cache).filter((id) => id.startsWith('LockResult'))).toEqual([]);
    expect(cache['User:User:alice']).toMatchObject({ __typename: 'User', id: 'User:alice', name: 'Alice', balance: 90 });
    client.stop();
  });

  it('pages a finder with relayStylePagination, the pages merged into one cached list', async () => {
    const client = apolloClient({ typePolicies: { Query: { fields: { allUsers: relayStylePagination(['keys', 'where', 'orderBy']) } } } });
    const PAGE: TypedDocumentNode<UserPage<{ id: string; name: string }>, { after?: string | null }> = gql`
      query Page($after: String) {
        allUsers(first: 2, after: $after, orderBy: { field: name, direction: ASC }) {
          edges {
            cursor
            node {
              id
              name
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    `;
    const first = await client.query({ query: PAGE });
    expect(first.data?.allUsers.pageInfo.hasNextPage).toBe(true);
    const observable = client.watchQuery({ query: PAGE });
    const subscription = observable.subscribe(() => {});
    const more = await observable.fetchMore({ variables: { after: first.data?.allUsers.pageInfo.endCursor } });
    expect(names(more.data)).toEqual(['Carol']);
    const merged = await client.query({ query: PAGE, fetchPolicy: 'cache-only' });
    expect(names(merged.data)).toEqual(['Alice', 'Bob', 'Carol']);
    expect(merged.data?.allUsers.pageInfo.hasNextPage).toBe(false);
    expect(requests).toEqual(['Page', 'Page']);
    subscription.unsubscribe();
    client.stop();
  });

  it('matches fragments on Model, Node and AnyModel with the exported possibleTypes, and not without them', async () => {
    const NODES = gql`
      query Models {
        nodes(keys: ["User:alice", "Product:book"]) {
          ...Row
          ...Identified
          ...Named
        }
      }
      fragment Row on Model {
        key
      }
      fragment Identified on Node {
        id
      }
      fragment Named on AnyModel {
        ... on User {
          name
        }
        ... on Product {
          price
        }
      }
    `;
    const expected = [
      { __typename: 'User', key: 'User:alice', id: 'User:alice', name: 'Alice' },
      { __typename: 'Product', key: 'Product:book', id: 'Product:book', price: 12.5 },
    ];
    const withTypes = apolloClient();
    expect((await withTypes.query({ query: NODES })).data).toEqual({ nodes: expected });
    withTypes.stop();

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const without = apolloClient({ possibleTypes: false });
      const answer = await without.query({ query: NODES });
      // The server answered every field; the cache cannot tell that a User is a Model, and drops them.
      expect(answer.data).toEqual({ nodes: [{ __typename: 'User' }, { __typename: 'Product' }] });
      expect(warn.mock.calls.map((call) => format(...call))).toContainEqual(
        expect.stringContaining('Cannot match fragment `Row` on `Model`'),
      );
      without.stop();
    } finally {
      warn.mockRestore();
    }
  });

  it('reads a missing id as null under the default errorPolicy with relay: true; node(key:) makes it an error', async () => {
    const relay = openSiblingGateway(t, { relay: true });
    try {
      const client = new ApolloClient({
        // The relay gateway in-process: its Yoga app answers the client's fetch.
        link: new HttpLink({
          uri: 'http://gateway.test/graphql',
          fetch: async (input, init) => relay.gateway.yoga.fetch(new Request(input, init)),
        }),
        cache: new InMemoryCache({ possibleTypes: possibleTypes(relay.gateway.schema) }),
      });
      const ghost = await client.query({ query: gql('query Ghost { node(id: "User:ghost") { id } }') });
      expect(ghost).toEqual({ data: { node: null } });
      client.stop();
    } finally {
      await relay.close();
    }
    const client = apolloClient();
    await expect(client.query({ query: gql('query Ghost { node(key: "User:ghost") { id } }') })).rejects.toThrow(
      'No model is stored at key "User:ghost".',
    );
    client.stop();
  });
});
