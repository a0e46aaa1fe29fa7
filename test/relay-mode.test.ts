import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { printSchema, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byNode, readOf, scriptReads } from './helpers/read-commands.js';
import { countRoundTrips } from './helpers/round-trips.js';
import { errorCodes, openSiblingGateway, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await openTestGateway({ relay: true });
  // Documents of different slots on a cluster: written one slot at a time.
  const seeded = await t.execute(`mutation {
    insertMany(atomicity: PER_SLOT, models: [
      { user: { pk: "alice", name: "Alice", age: 30, email: "alice@example.com", balance: 100 } }
      { user: { pk: "bob", name: "Bob", age: 41, email: "bob@example.com" } }
      { product: { pk: "book", name: "Book", price: 12.5, stock: 3 } }
    ]) { id }
  }`);
  expect(seeded.errors).toBeUndefined();
});
afterAll(() => t.close());

describe('node(id) and nodes(ids) under relay: true', () => {
  it('returns the model whose key is the id, and null with no error for a missing one', async () => {
    const { data, errors } = await t.execute(`{
      alice: node(id: "User:alice") { __typename id ... on User { name } }
      ghost: node(id: "User:ghost") { id }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({ alice: { __typename: 'User', id: 'User:alice', name: 'Alice' }, ghost: null });
  });

  it('returns models in id order, duplicates included, null for missing ids with no error, in one Redis round trip', async () => {
    const { result: counted, commands } = await t.redis.countCommands(() =>
      countRoundTrips(t.redis.client, () =>
        t.execute('{ nodes(ids: ["User:bob", "User:ghost", "Product:book", "User:bob"]) { id ... on Model { ttl } } }'),
      ),
    );
    const { result, roundTrips } = counted;
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      nodes: [{ id: 'User:bob', ttl: null }, null, { id: 'Product:book', ttl: null }, { id: 'User:bob', ttl: null }],
    });
    // Asking for ttl makes it a script call: one on one Redis, one per slot on a cluster, all sent together.
    expect(byNode(commands.map(readOf))).toEqual(byNode(scriptReads(t.redis.client, ['User:bob', 'User:ghost', 'Product:book'])));
    expect(roundTrips).toBe(1);
  });

  it('still answers malformed ids and unregistered models with their codes, at their paths', async () => {
    const one = await t.execute('{ a: node(id: "no-colon") { id } b: node(id: "Nope:1") { id } }');
    expect(one.data).toEqual({ a: null, b: null });
    expect(errorCodes(one.errors)).toEqual([
      { path: 'a', code: 'INVALID_KEY' },
      { path: 'b', code: 'MODEL_NOT_FOUND' },
    ]);
    const many = await t.execute('{ nodes(ids: ["User:alice", "bad", "User:ghost", "Nope:1"]) { id } }');
    expect(many.data).toEqual({ nodes: [{ id: 'User:alice' }, null, null, null] });
    expect(many.errors?.map((error) => [error.path?.join('.'), error.extensions?.code, error.extensions?.index])).toEqual([
      ['nodes.1', 'INVALID_KEY', 1],
      ['nodes.3', 'MODEL_NOT_FOUND', 3],
    ]);
  });

  it('answers FORBIDDEN for an id of a model the caller may not read', async () => {
    const restricted = openSiblingGateway(t, {
      relay: true,
      auth: { apiKeys: [{ key: 'writer-key-123456', scopes: ['write'] }], anonymous: { scopes: ['read'], models: ['Product'] } },
    });
    try {
      const { data, errors } = await restricted.execute(
        '{ node(id: "User:alice") { id } nodes(ids: ["Product:book", "User:alice"]) { id } }',
      );
      expect(data).toEqual({ node: null, nodes: [{ id: 'Product:book' }, null] });
      expect(errorCodes(errors)).toEqual([
        { path: 'node', code: 'FORBIDDEN' },
        { path: 'nodes.1', code: 'FORBIDDEN' },
      ]);
    } finally {
      await restricted.close();
    }
  });

  it('counts ids in the early cost estimate, as it counts keys', async () => {
    const limited = openSiblingGateway(t, { relay: true, limits: { maxKeys: 2 } });
    try {
      const { status, errors } = await limited.execute('{ nodes(ids: ["User:a", "User:b"]) { id } node(id: "User:c") { id } }');
      expect(status).toBe(400);
      expect(errors?.map((error) => [error.extensions?.code, error.extensions?.count])).toEqual([['TOO_MANY_KEYS', 3]]);
    } finally {
      await limited.close();
    }
  });

  it('replaces node(key:) and nodes(keys:)', async () => {
    const { errors } = await t.execute('{ nodes(keys: ["User:alice"]) { id } }');
    expect(errors?.[0]?.message).toBe('Unknown argument "keys" on field "Query.nodes".');
  });
});

const relayCompiler = join(createRequire(import.meta.url).resolve('relay-compiler/package.json'), '..', 'cli.js');
const FIXTURE = new URL('./fixtures/relay/', import.meta.url);

/** Runs relay-compiler over the fixture against `schema`; the generated artifacts are in the returned folder. */
async function compileFixture(schema: GraphQLSchema) {
  const dir = await mkdtemp(join(tmpdir(), 'rmg-relay-'));
  await cp(FIXTURE, join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'src', '__generated__'));
  await writeFile(join(dir, 'schema.graphql'), printSchema(schema));
  const config = { src: './src', schema: './schema.graphql', language: 'typescript', artifactDirectory: './src/__generated__' };
  await writeFile(join(dir, 'relay.config.json'), JSON.stringify(config));
  const run = await promisify(execFile)(process.execPath, [relayCompiler], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
    (error: { stdout: string; stderr: string }) => ({ ok: false, output: error.stdout + error.stderr }),
  );
  return { dir, ...run };
}

/** The operation text Relay sends for a compiled query. */
const operationText = async (dir: string, name: string) => {
  const artifact = await readFile(join(dir, 'src', '__generated__', `${name}.graphql.ts`), 'utf8');
  return JSON.parse(/"text": ("(?:[^"\\]|\\.)*")/.exec(artifact)?.[1] ?? '""') as string;
};

describe('relay-compiler', () => {
  it('compiles refetchable fragments, fragments on Model and a connection against the relay schema, and the gateway answers what Relay sends', async () => {
    const { dir, ok, output } = await compileFixture(t.gateway.schema);
    try {
      expect(output).toContain('Compilation completed');
      expect(ok).toBe(true);
      const query = await t.execute(await operationText(dir, 'ModelListQuery'), {
        id: 'User:alice',
        ids: ['Product:book', 'User:ghost'],
        count: 1,
      });
      expect(query.errors).toBeUndefined();
      expect(query.data).toMatchObject({
        node: { __typename: 'User', id: 'User:alice', name: 'Alice', balance: 100 },
        nodes: [{ __typename: 'Product', id: 'Product:book', key: 'Product:book', name: 'Book' }, null],
        allUsers: {
          edges: [{ cursor: expect.any(String), node: { __typename: 'User', id: 'User:alice' } }],
          pageInfo: { hasNextPage: true },
        },
      });
      const refetch = await t.execute(await operationText(dir, 'UserCardRefetchQuery'), { id: 'User:bob' });
      expect(refetch).toMatchObject({ data: { node: { id: 'User:bob', name: 'Bob', balance: 0 } }, errors: undefined });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses the same fixture against the default schema, whose node takes a key', async () => {
    const plain = openSiblingGateway(t);
    const { dir, ok, output } = await compileFixture(plain.gateway.schema);
    await plain.close();
    await rm(dir, { recursive: true, force: true });
    expect(ok).toBe(false);
    expect(output).toContain("Unknown argument 'id' on field 'Query.node'");
  });
});
