import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../examples/shop.js';
import { keyspaceFor } from '../src/store/keyspace.js';
import { InsertManyDocument, NodesDocument } from './generated/graphql.js';
import { errorCodes, openTestGateway, type TestGateway } from './helpers/test-gateway.js';

describe('key limits', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ limits: { maxKeys: 5, maxInsert: 3 } });
  });
  afterAll(() => t.close());

  const keys = (count: number) => Array.from({ length: count }, (_, i) => `User:k${i}`);

  it('refuses more keys than the limit across all node and nodes fields together, before Redis is touched', async () => {
    const query = `query ($keys: [ID!]!) { a: nodes(keys: $keys) { key } b: node(key: "User:x") { key } ... on Query { c: nodes(keys: ["User:y"]) { key } } }`;
    const { result, commands } = await t.redis.countCommands(() => t.execute(query, { keys: keys(4) }));
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'TOO_MANY_KEYS' }]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ count: 6, limit: 5 });
    expect(commands).toEqual([]);
  });

  it('serves a request at the limit', async () => {
    const { errors, data } = await t.execute(NodesDocument, { keys: keys(5), skipMissing: true });
    expect(errors).toBeUndefined();
    expect(data?.nodes).toEqual([]);
  });

  it('refuses more models than the limit in one insertMany with TOO_MANY_KEYS, writing nothing', async () => {
    const models = Array.from({ length: 4 }, (_, i) => ({ user: { pk: `i${i}`, name: 'N', age: 1, email: 'n@example.com' } }));
    const { errors } = await t.execute(InsertManyDocument, { models });
    expect(errorCodes(errors)).toEqual([{ path: 'insertMany', code: 'TOO_MANY_KEYS' }]);
    expect(await t.redis.dbsize()).toBe(0);
  });

  it('holds for the TypeScript store too', async () => {
    await expect(t.gateway.store.find(keys(6))).rejects.toMatchObject({ code: 'TOO_MANY_KEYS' });
    const drafts = Array.from({ length: 4 }, (_, i) => User.create({ name: 'N', age: 1, email: 'n@example.com' }, { pk: `s${i}` }));
    await expect(t.gateway.store.insert(drafts)).rejects.toMatchObject({ code: 'TOO_MANY_KEYS' });
  });
});

describe('write token', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway({ writeToken: 's3cret' });
  });
  afterAll(() => t.close());

  const insert = (headers: Record<string, string>) =>
    t.execute(InsertManyDocument, { models: [{ user: { pk: 'a', name: 'A', age: 1, email: 'a@example.com' } }] }, headers);

  it('refuses a mutation without the bearer token with UNAUTHENTICATED and HTTP 401, writing nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }] as Array<Record<string, string>>) {
      const { result, commands } = await t.redis.countCommands(() => insert(headers));
      expect(result.status).toBe(401);
      expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'UNAUTHENTICATED' }]);
      expect(commands).toEqual([]);
    }
    expect(await t.redis.dbsize()).toBe(0);
  });

  it('accepts a mutation with the bearer token, as a key with every scope', async () => {
    const { status, data } = await insert({ authorization: 'Bearer s3cret' });
    expect(status).toBe(200);
    expect(data?.insertMany).toEqual([expect.objectContaining({ key: 'User:a' })]);
    const read = await t.execute(NodesDocument, { keys: ['User:a'] }, { authorization: 'Bearer s3cret' });
    expect(read.errors).toBeUndefined();
  });

  it('closes queries too: a caller without a key gets UNAUTHENTICATED, HTTP 401, and Redis is not touched', async () => {
    const { result, commands } = await t.redis.countCommands(() => t.execute(NodesDocument, { keys: ['User:a'] }));
    expect(result.status).toBe(401);
    expect(errorCodes(result.errors)).toEqual([{ path: undefined, code: 'UNAUTHENTICATED' }]);
    expect(commands).toEqual([]);
  });
});

describe('unexpected errors', () => {
  it('are masked for the client, without stack, path or Redis message, and logged for the operator', async () => {
    const logged: string[] = [];
    const t = await openTestGateway({
      logging: true,
      logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }),
    });
    try {
      // An index key of the wrong type makes the finder's script fail inside Redis: a fault no code was made for.
      await t.redis.client.set(`${keyspaceFor(t.redis.client).indexPrefix('User', 'User:a')}@pk`, 'not a sorted set');
      const { status, data, errors } = await t.execute('{ allUsers(first: 1) { totalCount } }');
      expect(status).toBe(200);
      expect(data).toBeNull();
      expect(errors).toEqual([
        { message: 'Unexpected error.', path: ['allUsers'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      expect(JSON.stringify(errors)).not.toMatch(/WRONGTYPE|script|\.ts|stack/i);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('WRONGTYPE');
    } finally {
      await t.close();
    }
  });

  it('do not include a lost connection: a closed client answers REDIS_UNAVAILABLE with HTTP 503, not its own message', async () => {
    const t = await openTestGateway();
    try {
      await t.redis.client.quit();
      const { status, data, errors } = await t.execute(NodesDocument, { keys: ['User:a'] });
      expect(status).toBe(503);
      expect(data).toEqual({ nodes: [null] });
      expect(errorCodes(errors)).toEqual([{ path: 'nodes.0', code: 'REDIS_UNAVAILABLE' }]);
      expect(JSON.stringify(errors)).not.toContain('Connection is closed');
    } finally {
      await t.close();
    }
  });
});
