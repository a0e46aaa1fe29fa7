import { createServer } from 'node:http';
import { createGateway } from '../../src/index.js';
import { models } from '../serve-models.js';
import { hostOverIpc } from '../host-over-ipc.js';
import { closeServer, listen } from '../servers/listen.js';

/*
 * One gateway of `npm run bench:cluster`, in a process of its own: on one redis-server (argv: `redis
 * <url>`) or on a Redis Cluster (argv: `cluster <host:port,...>`), otherwise configured alike, and
 * serving through `handler` as `serve` does.
 */
const [shape, where] = process.argv.slice(2);
if ((shape !== 'redis' && shape !== 'cluster') || !where)
  throw new Error('gateway-child expects to be forked with `redis <url>` or `cluster <host:port,...>`.');

const gateway = createGateway({ models, redis: shape === 'redis' ? where : { cluster: where.split(',') } });
// Connected before the first request, so that the warm-up does not time the connection.
await gateway.redis.ping();
const server = createServer(gateway.handler);
hostOverIpc({
  port: await listen(server),
  async close() {
    await closeServer(server);
    await gateway.close();
  },
});
