import { pino, type Logger, type LoggerOptions } from 'pino';

/** A pino logger, or the options of the one the gateway makes. */
export type LoggerOption = Logger | LoggerOptions;

const isLogger = (given: LoggerOption): given is Logger => typeof (given as Logger).child === 'function';

/**
 * The gateway's logger: the caller's pino logger as given, or one that writes JSON lines to stdout
 * (level info unless the options say otherwise); a silent one when logging is off.
 *
 * The lines are written synchronously, one write(2) each, as pino.destination() does by default: pino's
 * stdout default instead hands every line to libuv's thread pool and back, which costs a request more
 * than the write itself (measured with callgrind, docs/security.md). It also loses no line when the
 * process dies, and a log reader that falls behind slows the gateway down instead of growing its memory.
 * A `transport` in the options writes from a worker of its own and is left alone.
 */
export function gatewayLogger(given: LoggerOption = {}, logging = true): Logger {
  if (!logging) return pino({ level: 'silent' });
  if (isLogger(given)) return given;
  const options = { name: 'redis-model-gateway', ...given };
  return given.transport ? pino(options) : pino(options, pino.destination({ dest: 1, sync: true }));
}
