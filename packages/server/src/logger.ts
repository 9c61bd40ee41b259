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
