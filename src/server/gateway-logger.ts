import { pino, type Logger, type LoggerOptions } from 'pino';

/** A pino logger, or the options of the one the gateway makes. */
export type LoggerOption = Logger | LoggerOptions;

const isLogger = (given: LoggerOption): given is Logger => typeof (given as Logger).child === 'function';

/**
 * The gateway's logger: the caller's pino logger as given, or one that writes JSON lines to stdout
 * (level info unless the options say otherwise); a silent one when logging is off.
 */
export function gatewayLogger(given: LoggerOption = {}, logging = true): Logger {
  if (!logging) return pino({ level: 'silent' });
  return isLogger(given) ? given : pino({ name: 'redis-model-gateway', ...given });
}
