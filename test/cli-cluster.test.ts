import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, childEnv, cleanUpClis, fileExists, post, runCli, serve, stop, tempDir, type ServingCli } from './helpers/cli-process.js';
import { clusterKeyspace } from '../src/store/keyspace.js';
import { heldClusterNodes, openTestCluster, type TestCluster } from './helpers/test-cluster.js';

/** Opening the test cluster waits for the spec file that holds it (test-cluster.ts). */
const CLUSTER_WAIT = { timeout: 300_000 };

afterAll(cleanUpClis);

const nodes = () => heldClusterNodes().map(({ host, port }) => `${host}:${port}`);
const run = randomBytes(4).toString('hex');
/** A node address for the refusals, which are made before any connection. */
const ANY_NODE = '127.0.0.1:7000';

describe('redis-model-gateway serve --redis-cluster', () => {
  let cluster: TestCluster;
  let cli: ServingCli;
  const users = Array.from({ length: 30 }, (_, i) => `User:${run}-${i}`);
  const order = `Order:${run}-o`;

  beforeAll(async () => {
    cluster = await openTestCluster();
    await Promise.all(
      users.map((key, i) => cluster.client.set(key, JSON.stringify({ name: `U${i}`, age: i, email: 'u@example.com', balance: 0 }))),
    );
    const placedAt = '2026-01-02T03:04:05.000Z';
    await cluster.client.set(
      order,
      JSON.stringify({ userId: users[1], productId: 'Product:p', quantity: 2, status: 'PAID', placedAt }),
      'EX',
      30,
    );
    // Two of the three primaries named: the client learns the rest from them.
    cli = await serve(['--redis-cluster', nodes().slice(0, 2).join(',')]);
  });
  afterAll(async () => {
    if (cli) await stop(cli);
    await cluster?.close();
  });

  it('serves node and nodes from documents on every primary, with no embedded redis-server and no data directory', async () => {
    expect(cli.stdout()).not.toMatch(/embedded redis-server/);
    expect(await fileExists(join(cli.dataDir, 'gateway.lock'))).toBe(false);
    const keys = [...users, `User:${run}-missing`];
    const { body } = await post(cli.url, `{ nodes(keys: ${JSON.stringify(keys)}, skipMissing: true) { key ... on User { name age } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.nodes).toEqual(users.map((key, i) => ({ key, name: `U${i}`, age: i })));
    const one = await post(cli.url, `{ node(key: "${users[7]}") { key ... on User { name } } }`);
    expect(one.body.data).toEqual({ node: { key: users[7], name: 'U7' } });
  });

  it('reads a model with a TTL beside others, refreshing its TTL on the cluster', async () => {
    const { body } = await post(cli.url, `{ nodes(keys: ["${order}", "${users[0]}"]) { key ttl ... on Order { quantity user { key } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.nodes).toEqual([
      { key: order, ttl: 60 * 60 * 24 * 30, quantity: 2, user: { key: users[1] } },
      { key: users[0], ttl: null },
    ]);
    expect(await cluster.client.ttl(order)).toBeGreaterThan(60 * 60 * 24 * 29);
  });

  it('answers /ready while every primary answers', async () => {
    expect((await fetch(cli.url.replace(/\/graphql$/, '/ready'))).status).toBe(200);
  });

  it("serves from workers, each told the cluster's nodes", async () => {
    const workers = await serve(['--workers', '2', '--redis-cluster', nodes().join(',')]);
    try {
      const answers = await Promise.all(users.slice(0, 4).map((key) => post(workers.url, `{ node(key: "${key}") { key } }`)));
      expect(answers.map(({ body }) => body.data)).toEqual(users.slice(0, 4).map((key) => ({ node: { key } })));
    } finally {
      expect(await stop(workers)).toBe(0);
    }
  });
});

describe('redis-model-gateway reindex --redis-cluster', () => {
  it('rebuilds the shards of the documents found on every primary', CLUSTER_WAIT, async () => {
    const cluster = await openTestCluster();
    try {
      // Users written without the gateway, in slots over every primary: reindexing puts each in its slot's shard.
      const written = Array.from({ length: 12 }, (_, i) => `User:${run}-reindexed-${i}`);
      for (const key of written) await cluster.client.set(key, JSON.stringify({ name: 'R', age: 1, email: 'r@example.com', balance: 0 }));
      const cli = runCli(['reindex', '--models', 'demo', '--model', 'User', '--redis-cluster', nodes().join(',')]);
      expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(0);
      expect(cli.stdout()).toMatch(/^User: \d+ indexed, \d+ stale entries removed, \d+ not decodable/m);
      for (const key of written)
        expect(await cluster.client.zscore(`${clusterKeyspace.indexPrefix('User', key)}@pk`, key.slice('User:'.length))).toBe('0');
    } finally {
      await cluster.close();
    }
  });
});

describe('redis-model-gateway with a wrong Redis Cluster', () => {
  const refused = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const cli = runCli(args, childEnv(env));
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(2);
    return cli.stderr().trim().split('\n');
  };
  const dataDir = async () => join(await tempDir(), 'redis');

  it('refuses --redis-cluster together with --redis', async () => {
    const lines = await refused([
      'serve',
      '--port',
      '0',
      '--data-dir',
      await dataDir(),
      '--redis',
      'redis://127.0.0.1:1',
      '--redis-cluster',
      ANY_NODE,
    ]);
    expect(lines).toEqual([
      'error: --redis and --redis-cluster were both given.',
      'hint: Name one Redis: --redis URL for one server, or --redis-cluster host:port,... for a cluster.',
    ]);
  });

  it('refuses --redis-cluster without a value, empty, or with a node that is not host:port', async () => {
    expect((await refused(['serve', '--port', '0', '--redis-cluster']))[0]).toMatch(
      /^error: serve: Option '--redis-cluster <value>' argument missing\.$/,
    );
    expect((await refused(['serve', '--port', '0', '--redis-cluster', '']))[0]).toBe(
      'error: --redis-cluster lists no node; give at least one as "host:port".',
    );
    expect(await refused(['reindex', '--models', 'demo', '--redis-cluster', `${ANY_NODE},localhost`])).toEqual([
      'error: --redis-cluster has "localhost", which is not host:port with a port from 1 to 65535; write e.g. "10.0.0.5:7000" or "[::1]:7000".',
      'hint: --redis-cluster takes host:port[,host:port...]: one or more nodes of the cluster.',
    ]);
  });

  it('refuses $REDIS_URL and $REDIS_CLUSTER_NODES both set, and a bad $REDIS_CLUSTER_NODES by name', async () => {
    const both = { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: ANY_NODE };
    expect((await refused(['serve', '--port', '0', '--data-dir', await dataDir()], both))[0]).toBe(
      'error: $REDIS_URL and $REDIS_CLUSTER_NODES are both set.',
    );
    expect((await refused(['serve', '--port', '0'], { REDIS_CLUSTER_NODES: '127.0.0.1:0' }))[0]).toMatch(
      /^error: \$REDIS_CLUSTER_NODES has "127\.0\.0\.1:0", which is not host:port/,
    );
  });

  it('exits 1 naming the cluster when none of its nodes answers', async () => {
    const cli = runCli(['serve', '--port', '0', '--workers', '1', '--redis-timeout-ms', '200', '--redis-cluster', '127.0.0.1:1']);
    expect(await bounded(cli.exited, 'the CLI did not exit', cli)).toBe(1);
    const [error, hint] = cli.stderr().trim().split('\n').slice(-2);
    expect(error).toMatch(/^error: The Redis Cluster at 127\.0\.0\.1:1 did not answer: the cluster was not ready within 1000 ms/);
    expect(hint).toBe('hint: Check --redis-cluster: some nodes of the cluster as host:port[,host:port...], reachable from here.');
  });
});
