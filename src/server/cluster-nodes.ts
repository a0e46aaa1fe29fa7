import { badUserInput } from '../errors.js';

/**
 * A Redis Cluster for the gateway to connect to, by some of its nodes as `host:port` (an IPv6 host in
 * brackets: `[::1]:7000`). One reachable node is enough: the client learns the others from it.
 */
export interface ClusterNodes {
  cluster: readonly string[];
}

export interface NodeAddress {
  host: string;
  port: number;
}

export const isClusterNodes = (redis: unknown): redis is ClusterNodes =>
  typeof redis === 'object' && redis !== null && 'cluster' in redis && Array.isArray((redis as ClusterNodes).cluster);

const ADDRESS = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):([0-9]{1,5})$/;

/** Each `host:port` as ioredis takes it; BAD_USER_INPUT naming the first one that is not, and where it came from (`where`). */
export function parseClusterNodes({ cluster }: ClusterNodes, where = 'redis.cluster'): NodeAddress[] {
  if (cluster.length === 0) throw badUserInput(`${where} lists no node; give at least one as "host:port".`);
  return cluster.map((address) => {
    const match = ADDRESS.exec(address);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535)
      throw badUserInput(
        `${where} has "${address}", which is not host:port with a port from 1 to 65535; write e.g. "10.0.0.5:7000" or "[::1]:7000".`,
      );
    return { host: (match[1] ?? match[2]) as string, port };
  });
}
