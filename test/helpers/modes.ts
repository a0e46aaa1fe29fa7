import { redisMode } from './redis.js';

/** True in the cluster project: for the few assertions that differ by where keys live. */
export const onCluster = (): boolean => redisMode() === 'cluster';

/** The value for this project's mode: an expectation that differs between one Redis and a cluster. */
export const byMode = <T>(values: { standalone: T; cluster: T }): T => values[redisMode()];
