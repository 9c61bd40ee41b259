/**
 * The part of a pino logger the store uses; a pino `Logger` fits. Objects first, message second.
 */
export interface StoreLogger {
  /** Detailed events (migrations applied, pragmas). */
  debug(obj: object, msg?: string): void;
  /** Notable events. */
  info(obj: object, msg?: string): void;
  /** Unexpected but handled. */
  warn(obj: object, msg?: string): void;
  /** Failures (a batch that did not commit). */
  error(obj: object, msg?: string): void;
}
