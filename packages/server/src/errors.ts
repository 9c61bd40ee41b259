import { ErrorCode } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';

/** An error with a stable code from `@plaza/protocol`, safe to send to a client. */
export class PlazaError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Extra machine-readable facts (retry delay, schema issues, limit). */
  readonly details: WireError['details'] | undefined;

  /**
   * @param code - stable code
   * @param message - human-readable explanation, safe for clients
   * @param options - `details` for the wire and the `cause` for logs
   */
  constructor(code: ErrorCode, message: string, options: { details?: WireError['details']; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PlazaError';
    this.code = code;
    this.details = options.details;
  }

  /** The wire form: code, message and details, never a stack trace. */
  toWire(): WireError {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/**
 * Turns anything thrown into a {@link PlazaError}: a `PlazaError` stays as it is, a busy or locked
 * database becomes the retryable `UNAVAILABLE`, everything else becomes `INTERNAL` with a generic message (the original is kept as `cause` for the log).
 */
export function toPlazaError(error: unknown): PlazaError {
  if (error instanceof PlazaError) return error;
  if (isDatabaseBusy(error)) {
    return new PlazaError(ErrorCode.UNAVAILABLE, 'the database is busy; retry shortly', { cause: error });
  }
  return new PlazaError(ErrorCode.INTERNAL, 'internal server error', { cause: error });
}

/**
 * Whether `error` is SQLite's `SQLITE_BUSY` or `SQLITE_LOCKED` (any extended variant): another
 * connection held the database longer than the busy timeout. Transient, so it maps to the
 * retryable `UNAVAILABLE` rather than `INTERNAL`.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}
