import type { RunningServer } from './running-server.js';

/*
 * The systems hosted in a child process of server-child.ts: createGateway's handler (the gateway as a
 * library, run from src/), then the baselines. Each start imports its module only when called, so that a
 * server process loads its own system alone and its resident memory is its own.
 */
export const SYSTEMS = {
  handler: {
    label: 'gateway.handler, createGateway in a child',
    start: async (redisUrl: string) => (await import('./gateway-server.js')).startGatewayServer(redisUrl),
  },
  http: {
    label: '(a) node:http + ioredis',
    start: async (redisUrl: string) => (await import('./bare-http-server.js')).startBareHttpServer(redisUrl),
  },
  yoga: {
    label: '(b) schema-first Yoga',
    start: async (redisUrl: string) => (await import('./bare-yoga-server.js')).startBareYogaServer(redisUrl),
  },
  jit: {
    label: '(c) node:http + graphql-jit',
    start: async (redisUrl: string) => (await import('./bare-jit-server.js')).startBareJitServer(redisUrl),
  },
} satisfies Record<string, { label: string; start: (redisUrl: string) => Promise<RunningServer> }>;

export type SystemId = keyof typeof SYSTEMS;
export const SYSTEM_IDS = Object.keys(SYSTEMS) as SystemId[];
export const isSystemId = (value: string): value is SystemId => value in SYSTEMS;
