import { createServer } from 'node:http';
import { createGateway } from '../../src/index.js';
import { BenchItem } from '../bench-model.js';
import { BenchShapeItem } from '../shapes-model.js';
import { runningServer } from './listen.js';
import type { RunningServer } from './running-server.js';

/** The system under test, configured as in production minus logging and GraphiQL; BenchShapeItem serves the finder and withLock shapes. */
export async function startGatewayServer(redisUrl: string): Promise<RunningServer> {
  const gateway = createGateway({ models: [BenchItem, BenchShapeItem], redis: redisUrl, logging: false, graphiql: false });
  const server = createServer(gateway.handler);
  return runningServer(server, () => gateway.close());
}
