import { startBareHttpServer } from './bare-http-server.js';
import { startBareJitServer } from './bare-jit-server.js';
import { startBareYogaServer } from './bare-yoga-server.js';
import { startGatewayServer } from './gateway-server.js';
import type { RunningServer } from './running-server.js';

/** The systems of one run, in the order each round measures them: the gateway, then its baselines. */
export const SYSTEMS = {
  gateway: { label: 'gateway', start: startGatewayServer },
  http: { label: '(a) node:http + ioredis', start: startBareHttpServer },
  yoga: { label: '(b) schema-first Yoga', start: startBareYogaServer },
  jit: { label: '(c) node:http + graphql-jit', start: startBareJitServer },
} satisfies Record<string, { label: string; start: (redisUrl: string) => Promise<RunningServer> }>;

export type SystemId = keyof typeof SYSTEMS;
export const SYSTEM_IDS = Object.keys(SYSTEMS) as SystemId[];
export const isSystemId = (value: string): value is SystemId => value in SYSTEMS;
