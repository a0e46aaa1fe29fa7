import { createServer } from 'node:http';
import { createGateway } from '../../src/index.js';
import { BenchItem } from '../bench-model.js';
import { BenchShapeItem } from '../shapes-model.js';
import { runningServer } from './listen.js';
import type { RunningServer } from './running-server.js';

/**
 * The gateway as a library: createGateway's handler on node:http, run from the sources through tsx and
 * without the CLI's NODE_ENV default; logging and GraphiQL off. bench:nodes measures it only when asked
 * (--systems handler): its gateway is `serve` itself.
 */
export async function startGatewayServer(redisUrl: string): Promise<RunningServer> {
  const gateway = createGateway({ models: [BenchItem, BenchShapeItem], redis: redisUrl, logging: false, graphiql: false });
  const server = createServer(gateway.handler);
  return runningServer(server, () => gateway.close());
}
