import type { Cluster, Redis } from 'ioredis';
import { expect, vi } from 'vitest';
import { monitorCommands, type SeenCommand } from './command-counter.js';

/**
 * The commands each primary received from `client` while `action` ran, by ioredis's name for the node,
 * and how many pipelines the client made. `client` names its connections `connectionName`
 * (redisOptions), so that commands of other spec files on the shared cluster are left out; each primary
 * must hold one connection of it already (ping every node first).
 */
export async function perPrimary<T>(
  client: Cluster,
  primaries: ReadonlyMap<string, Redis>,
  connectionName: string,
  action: () => Promise<T>,
): Promise<{ result: T; commands: Map<string, SeenCommand[]>; pipelines: number }> {
  const recorders = await Promise.all(
    [...primaries].map(async ([node, primary]) => {
      const list = (await primary.client('LIST')) as string;
      const from = list
        .split('\n')
        .flatMap((line) => (line.includes(` name=${connectionName} `) ? [/addr=(\S+)/.exec(line)?.[1] ?? ''] : []));
      expect(from).toHaveLength(1);
      return [node, await monitorCommands(primary, 0, { from })] as const;
    }),
  );
  const pipelines = vi.spyOn(client, 'pipeline');
  try {
    const result = await action();
    const commands = new Map(await Promise.all(recorders.map(async ([node, recorder]) => [node, await recorder.stop()] as const)));
    return { result, commands, pipelines: pipelines.mock.calls.length };
  } finally {
    pipelines.mockRestore();
  }
}
