import { benchKey, nodesBody, nodesBodyOf } from './bench-model.js';
import { cpuMicrosOf } from './proc-stats.js';
import { isSystemId, SYSTEM_IDS, SYSTEMS, type SystemId } from './servers/systems.js';
import { findWebdis, startWebdis } from './servers/webdis-server.js';
import { spawnServer } from './spawn-server.js';

/** The systems bench:nodes measures: the Node ones of systems.ts, hosted in child processes, and webdis. */
export type NodesSystemId = SystemId | 'webdis';
export const NODES_SYSTEM_IDS: NodesSystemId[] = ['webdis', ...SYSTEM_IDS];
export const isNodesSystemId = (value: string): value is NodesSystemId => value === 'webdis' || isSystemId(value);
export const labelOf = (system: NodesSystemId) => (system === 'webdis' ? 'webdis (GET /MGET)' : SYSTEMS[system].label);

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
  /** The request for the first `size` items: the same for every system, to check that they answer alike. */
  requestFor(size: number): NodesRequest;
  loadFor(keySets: readonly string[][]): NodesLoad;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** undefined when the system is webdis and webdis is not installed. */
export async function startNodesServer(
  system: NodesSystemId,
  redisUrl: string,
  options: { cpuProfDir?: string },
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
      loadFor: (keySets) => ({ url: webdis.baseUrl, method: 'GET', paths: keySets.map(pathOf) }),
      cpuMicros: () => cpuMicrosOf(webdis.pid),
      stop: () => webdis.stop(),
    };
  }
  const server = await spawnServer(system, redisUrl, options);
  const { pid } = server;
  if (pid === undefined) throw new Error(`The ${system} server process has no process id.`);
  return {
    system,
    pid,
    requestFor: (size) => ({ url: server.url, method: 'POST', body: nodesBody(size) }),
    loadFor: (keySets) => ({ url: server.url, method: 'POST', bodies: keySets.map(nodesBodyOf) }),
    // From /proc like webdis's, rather than over IPC, so that every system's CPU is counted alike.
    cpuMicros: () => cpuMicrosOf(pid),
    stop: () => server.stop(),
  };
}
