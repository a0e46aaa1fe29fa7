/**
 * A lock holder in a process of its own, for the spec of a holder that dies (locks-store.test.ts).
 * It takes (key, action) with a short lease over a real connection, keeps the lease alive as a live
 * holder does, prints `{"token", "fencingToken"}` as one line on stdout, and then waits to be killed.
 * The Redis is named as serve's environment names it: $REDIS_URL (with its db), or $REDIS_CLUSTER_NODES.
 *
 *   node --import tsx test/lock-holder-child.ts <key> <action> <leaseMs>
 */
import { Cluster, Redis } from 'ioredis';
import { models } from '../examples/shop.js';
import { createStore } from '../src/index.js';

const [key, action, leaseArg] = process.argv.slice(2);
const { REDIS_URL: url, REDIS_CLUSTER_NODES: nodes } = process.env;
if (!key || !action || !leaseArg || !(url || nodes)) {
  console.error('usage: REDIS_URL=<url> | REDIS_CLUSTER_NODES=<host:port,...> lock-holder-child.ts <key> <action> <leaseMs>');
  process.exit(2);
}
const redis = nodes
  ? new Cluster(
      nodes.split(',').map((node) => {
        const [host, port] = node.split(':');
        return { host, port: Number(port) };
      }),
    )
  : new Redis(url as string);
const leaseMs = Number(leaseArg);
const session = createStore({ redis, models }).session();
const { lease } = await session.acquireLock(key, action, { leaseMs, timeoutMs: 0 });

// Extended every third of the lease, so that only the death of this process lets the lock go. The
// interval also keeps the process alive until it is killed.
setInterval(
  () => {
    session.extendLock(lease.token, leaseMs).catch((error: Error) => console.error(`extendLock: ${error.message}`));
  },
  Math.floor(leaseMs / 3),
);

process.stdout.write(`${JSON.stringify({ token: lease.token, fencingToken: lease.fencingToken })}\n`);
