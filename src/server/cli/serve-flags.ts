import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../redis-timeout.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../graceful-close.js';
import { limitFlagOptions, limitsFromFlags, wholeNumberOf } from '../limit-flags.js';
import { UsageError } from './cli-error.js';
import { GLOBAL_FLAGS, parsingFlags } from './parse-flags.js';
import { DEFAULT_DATA_DIR, givenRedis } from './redis-source.js';
import { WRITE_CONCERNS, type WriteConcern } from '../../store/write-concern.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const SERVE_OPTIONS = {
  ...GLOBAL_FLAGS,
  models: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'string' },
  'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
  'redis-timeout-ms': { type: 'string', default: String(DEFAULT_REDIS_TIMEOUT_MS) },
  'write-concern': { type: 'string', default: 'primary' },
  port: { type: 'string' },
  host: { type: 'string' },
  'write-token': { type: 'string' },
  'write-token-file': { type: 'string' },
  'api-keys-file': { type: 'string' },
  anonymous: { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  production: { type: 'boolean' },
  introspection: { type: 'boolean' },
  suggestions: { type: 'boolean' },
  graphiql: { type: 'boolean' },
  relay: { type: 'boolean' },
  ...limitFlagOptions,
  'shutdown-timeout-ms': { type: 'string', default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS) },
  'log-level': { type: 'string', default: 'info' },
  'access-log': { type: 'boolean', default: false },
  metrics: { type: 'boolean', default: false },
  workers: { type: 'string' },
} as const;

/** A flag that must be a whole number of milliseconds, at least 1. */
export const milliseconds = (flag: string, value: string) => wholeNumberOf(flag, value, ' of milliseconds');

/** The port from --port, else $PORT, else 4000: a whole number up to 65535 (0: a free one). */
function portOf(flag: string | undefined): number {
  const [given, name] = flag !== undefined ? [flag, '--port'] : [process.env.PORT ?? '4000', 'PORT'];
  const port = Number(given);
  if (!/^[0-9]+$/.test(given) || port > 65535)
    throw new UsageError(`${name} is "${given}"; it must be a port number from 0 to 65535.`, '0 picks a free port.');
  return port;
}

/**
 * How many processes answer HTTP: --workers, else one per CPU. With --metrics, one unless --workers says
 * otherwise: each process counts in a Prometheus registry of its own, and /metrics would answer from
 * whichever one the connection reached.
 */
function workersOf(flag: string | undefined, metrics: boolean): number {
  if (flag !== undefined) return wholeNumberOf('workers', flag);
  return metrics ? 1 : availableParallelism();
}

/** --write-concern: primary or replica, in any case. */
function writeConcernOf(flag: string): WriteConcern {
  const concern = WRITE_CONCERNS.find((each) => each === flag.toUpperCase());
  if (concern === undefined) throw new UsageError(`--write-concern is "${flag}"; it must be primary or replica.`);
  return concern;
}

/** serve's flags, every value checked: nothing has started when one is wrong. */
export function serveFlags(argv: string[]) {
  const values = parsingFlags('serve', () => parseArgs({ args: argv, options: SERVE_OPTIONS }).values);
  const level = values['log-level'];
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level is "${level}"; it must be one of ${LOG_LEVELS.join(', ')}.`);
  return {
    values,
    level,
    port: portOf(values.port),
    host: values.host ?? (process.env.HOST || '127.0.0.1'),
    /** The Redis named by flag or environment; null: the embedded redis-server. */
    redis: givenRedis(values),
    dataDir: values['data-dir'],
    limits: limitsFromFlags(values),
    redisTimeoutMs: milliseconds('redis-timeout-ms', values['redis-timeout-ms']),
    writeConcern: writeConcernOf(values['write-concern']),
    shutdownTimeoutMs: milliseconds('shutdown-timeout-ms', values['shutdown-timeout-ms']),
    workers: workersOf(values.workers, values.metrics),
  };
}

export type ServeFlags = ReturnType<typeof serveFlags>;
