import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/**
 * Creates the server's root logger: pino JSON lines on stdout, with `component` bound in each
 * child (`logger.child({ component: 'signaling' })`). Never log tokens or message text.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'plaza-server' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * A logger that prints info lines even when `logger`'s level is higher (unless it is `silent`):
 * for the few lines an operator or a harness must see, such as `listening` and generated keys.
 */
export function announcer(logger: Logger): Logger {
  if (logger.level === 'silent' || logger.isLevelEnabled('info')) return logger;
  return logger.child({}, { level: 'info' });
}

/**
 * A child logger created on first use: for per-connection and per-request loggers that are
 * usually never written to (creating a pino child serialises its bindings).
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= parent.child(bindings));
}
