import { createServer } from 'node:http';
import { createGateway } from '../../src/index.js';
import { BenchItem } from '../bench-model.js';
import { hostOverIpc } from '../host-over-ipc.js';
import { closeServer, listen } from '../servers/listen.js';

/*
 * One gateway of `npm run bench:compare`, in a process of its own. The comparison copies this file and the
 * few it imports from bench/ into the checkout of the compared commit, so that `../../src` is that commit's
 * code: each side runs its own createGateway, with its own dependencies.
 *
 * Configured as `serve` configures it: the models, the Redis URL and a write token when one is given
 * (BENCH_TOKEN, so that it stays out of `ps`); every other option keeps the commit's own default, so that
 * what is measured is what an operator gets, and an older commit is never handed an option it lacks.
 * argv: <redis url>.
 */
const [redisUrl] = process.argv.slice(2);
if (!redisUrl) throw new Error('gateway-child expects to be forked with the Redis URL as its argument.');
const token = process.env.BENCH_TOKEN;

const gateway = createGateway({ models: [BenchItem], redis: redisUrl, ...(token ? { writeToken: token } : {}) });
// Connected before the first request: a gateway that refuses commands while its client connects would
// otherwise fail the answer check, and the warm-up would time the connection.
await gateway.redis.ping();
// `handler` where the commit has one (the lean path in front of Yoga), as serve serves it.
const server = createServer((gateway as Partial<Pick<typeof gateway, 'handler'>>).handler ?? gateway.yoga);
hostOverIpc({
  port: await listen(server),
  async close() {
    await closeServer(server);
    await gateway.close();
  },
});
