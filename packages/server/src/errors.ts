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
 * database and a full disk become the retryable `UNAVAILABLE` (nothing was stored, so the client
 * keeps the message in its outbox and retries), everything else becomes `INTERNAL` with a generic message (the original is kept as `cause` for the log).
 */
export function toPlazaError(error: unknown): PlazaError {
  if (error instanceof PlazaError) return error;
  if (isDatabaseBusy(error)) {
    return new PlazaError(ErrorCode.UNAVAILABLE, 'the database is busy; retry shortly', { cause: error });
  }
  if (isStorageFull(error)) {
    return new PlazaError(ErrorCode.UNAVAILABLE, 'the server is out of disk space; retry later', { cause: error });
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

/**
 * Whether `error` says the disk is full: SQLite's `SQLITE_FULL` or the file system's `ENOSPC` /
 * `EDQUOT`. Nothing was stored, and space may come back, so it maps to the retryable `UNAVAILABLE`.
 */
export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^SQLITE_FULL(_|$)/.test(code) || code === 'ENOSPC' || code === 'EDQUOT');
}
