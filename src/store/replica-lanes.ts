import { redisUnavailable } from '../errors.js';
import { commandTimeoutOf, isCluster, type RedisClient } from './redis-client.js';

/** Most connections of their own a store opens for writes that wait for a replica. */
export const MAX_LANES = 16;

/** How long a new lane may take to connect when the client has no command timeout. */
const READY_WITHIN_MS = 1000;

/**
 * Connections of their own for writes that wait for a replica (write-concern.ts). WAIT holds the
 * connection it is sent on until a replica acknowledges or its timeout passes, and Redis answers one
 * connection's commands in order: on the store's shared connection every read and write behind it would
 * wait too, for the whole timeout while a replica lags. So each such write borrows a lane, a client (a
 * Cluster client on a cluster) that no other command uses meanwhile: up to `max` at once, opened as
 * needed and kept; a write beyond that waits for one to come free. They close with the client they copy.
 */
export class ReplicaLanes {
  private readonly lanes: RedisClient[] = [];
  private readonly idle: RedisClient[] = [];
  private readonly waiting: Array<(lane: RedisClient) => void> = [];
  private closed = false;
  /** How long a new lane may take to connect: a cluster's pipeline waits for its slot map without bound. */
  private readonly readyWithinMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly max = MAX_LANES,
  ) {
    redis.once('end', () => this.close());
    this.readyWithinMs = commandTimeoutOf(redis) ?? READY_WITHIN_MS;
  }

  async use<T>(work: (lane: RedisClient) => Promise<T>): Promise<T> {
    // A write after the client was closed would otherwise open lanes that nothing closes.
    if (this.closed) throw redisUnavailable('the connection is closed');
    const lane =
      this.idle.pop() ??
      (this.lanes.length < this.max ? this.open() : await new Promise<RedisClient>((resolve) => this.waiting.push(resolve)));
    try {
      await untilReady(lane, this.readyWithinMs);
      return await work(lane);
    } finally {
      const next = this.waiting.shift();
      if (next) next(lane);
      else this.idle.push(lane);
    }
  }

  close(): void {
    this.closed = true;
    for (const lane of this.lanes.splice(0)) lane.disconnect();
    this.idle.length = 0;
  }

  /**
   * A copy of the client, with its options, except that its first commands wait for its first connection
   * (bounded by the command timeout) as a new client's do; once ready it queues no more than the client does.
   */
  private open(): RedisClient {
    const { redis } = this;
    const lane = isCluster(redis) ? redis.duplicate([], { enableOfflineQueue: true }) : redis.duplicate({ enableOfflineQueue: true });
    lane.once('ready', () => (lane.options.enableOfflineQueue = redis.options.enableOfflineQueue));
    // A lane's failures reach the write that used it, as the error of its command.
    lane.on('error', () => {});
    this.lanes.push(lane);
    return lane;
  }
}

/** Resolves once `lane` is connected (at once when it is); REDIS_UNAVAILABLE, nothing sent, after `ms`. */
function untilReady(lane: RedisClient, ms: number): Promise<void> | undefined {
  if (lane.status === 'ready') return undefined;
  return new Promise((resolve, reject) => {
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      lane.off('ready', ready);
      reject(redisUnavailable(`a connection for writes that wait for a replica was not ready within ${ms} ms`));
    }, ms);
    lane.once('ready', ready);
  });
}
