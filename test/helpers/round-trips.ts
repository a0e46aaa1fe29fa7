import { Cluster, type Redis } from 'ioredis';
import { vi } from 'vitest';

/**
 * Runs `action` and counts the round trips it waited for, one after the other: how many times the client
 * sent commands after a reply had come back. Commands sent together, to one Redis or to every primary of
 * a cluster at once, are one round trip however many there are; a command sent once an earlier one has
 * answered starts another. Counted where the client hands each command to a node's connection
 * (`sendCommand`, which pipelines go through too), so that nothing sent is left out; the topology
 * refreshes a cluster client makes on its own (`CLUSTER SLOTS`) belong to no request and are left out.
 */
export async function countRoundTrips<T>(client: Redis | Cluster, action: () => Promise<T>): Promise<{ result: T; roundTrips: number }> {
  const connections = client instanceof Cluster ? client.nodes('all') : [client];
  let roundTrips = 0;
  let replied = true;
  const spies = connections.map((connection) => {
    const send = connection.sendCommand.bind(connection);
    return vi.spyOn(connection, 'sendCommand').mockImplementation((command, stream) => {
      const sent = send(command, stream);
      if (command.name !== 'cluster') {
        if (replied) roundTrips++;
        replied = false;
        // Registered before the caller's own handlers, so it runs before anything the reply sets off.
        command.promise.then(
          () => (replied = true),
          () => (replied = true),
        );
      }
      return sent;
    });
  });
  try {
    return { result: await action(), roundTrips };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
