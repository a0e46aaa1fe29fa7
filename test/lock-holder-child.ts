/**
 * A lock holder in a process of its own, for the spec of a holder that dies (locks-store.test.ts).
 * It takes (key, action) with a short lease over a real connection, keeps the lease alive as a live
 * holder does, prints `{"token", "fencingToken"}` as one line on stdout, and then waits to be killed.
 *
 *   node --import tsx test/lock-holder-child.ts <redisUrl with db> <key> <action> <leaseMs>
 */
import { Redis } from 'ioredis';
import { models } from '../examples/shop.js';
import { createStore } from '../src/index.js';

const [url, key, action, leaseArg] = process.argv.slice(2);
if (!url || !key || !action || !leaseArg) {
  console.error('usage: lock-holder-child.ts <redisUrl> <key> <action> <leaseMs>');
  process.exit(2);
}
const leaseMs = Number(leaseArg);
const session = createStore({ redis: new Redis(url), models }).session();
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
