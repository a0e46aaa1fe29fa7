import { benchKey, nodeBodyOf, nodesBody, nodesBodyOf } from './bench-model.js';
import { cpuMicrosOf } from './proc-stats.js';
import { isSystemId, SYSTEMS, type SystemId } from './servers/systems.js';
import { findWebdis, startWebdis } from './servers/webdis-server.js';
import { spawnServe } from './spawn-serve.js';
import { spawnServer, type ChildServer } from './spawn-server.js';

/**
 * The systems bench:nodes measures: the gateway as `redis-model-gateway serve` runs it, webdis, and the
 * Node systems of systems.ts hosted in child processes (createGateway's handler only when asked for).
 */
export type NodesSystemId = 'webdis' | 'gateway' | SystemId;
export const NODES_SYSTEM_IDS: NodesSystemId[] = ['webdis', 'gateway', 'http', 'yoga', 'jit'];
export const ALL_NODES_SYSTEM_IDS: NodesSystemId[] = ['webdis', 'gateway', 'handler', 'http', 'yoga', 'jit'];
export const isNodesSystemId = (value: string): value is NodesSystemId => value === 'webdis' || value === 'gateway' || isSystemId(value);
export const labelOf = (system: NodesSystemId) =>
  system === 'webdis' ? 'webdis (GET /MGET)' : system === 'gateway' ? 'gateway (serve)' : SYSTEMS[system].label;

/** One row of the table: `nodes` of `size` random keys, or `node` of one random key. */
export type Workload = { query: 'nodes'; size: number } | { query: 'node' };
export const workloadLabel = (workload: Workload) => (workload.query === 'nodes' ? `nodes × ${workload.size}` : 'node(key)');

export interface NodesRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
}

/** What the load generator sends for a list of key sets: each connection goes through them in turn. */
export interface NodesLoad {
  url: string;
  method: 'GET' | 'POST';
  bodies?: string[];
  paths?: string[];
}

/** One running system, seen from the load generator: where to send a request for n keys, and its process. */
export interface NodesServer {
  system: NodesSystemId;
  pid: number;
  /** The `nodes` request for the first `size` items: the same for every system, to check that they answer alike. */
  requestFor(size: number): NodesRequest;
  /** undefined when the system does not serve the workload (webdis has no node(key) row). */
  loadFor(workload: Workload, keySets: readonly string[][]): NodesLoad | undefined;
  /** CPU time (µs) of the system's whole process tree, from /proc, so that every system is counted alike. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** The request bodies of a GraphQL system: one key set each, as `nodes` keys or a `node` key. */
const graphqlBodies = (workload: Workload, keySets: readonly string[][]) =>
  workload.query === 'nodes' ? keySets.map(nodesBodyOf) : keySets.map((keys) => nodeBodyOf(keys[0] ?? benchKey(0)));

/** undefined when the system is webdis and webdis is not installed. `serveArgs` are appended to serve's command line. */
export async function startNodesServer(
  system: NodesSystemId,
  redisUrl: string,
  options: { cpuProfDir?: string; serveArgs: readonly string[] },
): Promise<NodesServer | undefined> {
  if (system === 'webdis') {
    const binary = findWebdis();
    if (!binary) return undefined;
    const webdis = await startWebdis(binary, redisUrl);
    const pathOf = (keys: readonly string[]) => `/MGET/${keys.map((key) => encodeURIComponent(key)).join('/')}`;
    return {
      system,
      pid: webdis.pid,
      requestFor: (size) => ({ url: `${webdis.baseUrl}${pathOf(Array.from({ length: size }, (_, i) => benchKey(i)))}`, method: 'GET' }),
      loadFor: (workload, keySets) =>
        workload.query === 'nodes' ? { url: webdis.baseUrl, method: 'GET', paths: keySets.map(pathOf) } : undefined,
      cpuMicros: () => cpuMicrosOf(webdis.pid),
      stop: () => webdis.stop(),
    };
  }
  const server: ChildServer =
    system === 'gateway' ? await spawnServe(redisUrl, options.serveArgs, options) : await spawnServer(system, redisUrl, options);
  const { pid } = server;
  if (pid === undefined) throw new Error(`The ${system} server process has no process id.`);
  return {
    system,
    pid,
    requestFor: (size) => ({ url: server.url, method: 'POST', body: nodesBody(size) }),
    loadFor: (workload, keySets) => ({ url: server.url, method: 'POST', bodies: graphqlBodies(workload, keySets) }),
    cpuMicros: () => cpuMicrosOf(pid),
    stop: () => server.stop(),
  };
}
