import { ErrorCode, RETRYABLE_ERROR_CODES, isErrorCode } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';

/**
 * An error with a stable {@link ErrorCode} from `@plaza/protocol`. Everything the server refuses
 * reaches the app as a `PlazaError`, and so do the client's own `TIMEOUT` and `DISCONNECTED`.
 *
 * @example
 * ```ts
 * try { await conv.edit(id, 'fixed'); }
 * catch (err) { if (err instanceof PlazaError && err.code === ErrorCode.CONFLICT) showDeleted(); }
 * ```
 */
export class PlazaError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Extra machine-readable facts for some codes (retry delay, schema issues, size limit). */
  readonly details: WireError['details'] | undefined;

  /**
   * @param code - stable code from {@link ErrorCode}
   * @param message - human-readable explanation
   * @param options - `details` from the wire and the underlying `cause`
   */
  constructor(code: ErrorCode, message: string, options: { details?: WireError['details']; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlazaError';
    this.code = code;
    this.details = options.details;
  }

  /** Whether repeating the same request later may succeed (see `RETRYABLE_ERROR_CODES`). */
  get retryable(): boolean {
    return isRetryableCode(this.code);
  }

  /**
   * Builds a `PlazaError` from a {@link WireError} as the server sends it. Anything that does not
   * look like a wire error becomes `INTERNAL`, so a malformed answer never crashes the caller.
   */
  static fromWire(wire: unknown, cause?: unknown): PlazaError {
    if (typeof wire === 'object' && wire !== null) {
      const { code, message, details } = wire as Partial<WireError>;
      if (isErrorCode(code)) {
        return new PlazaError(code, typeof message === 'string' ? message : code, {
          ...(isPlainObject(details) ? { details } : {}),
          cause,
        });
      }
    }
    return new PlazaError(ErrorCode.INTERNAL, 'malformed error from the server', { cause: cause ?? wire });
  }
}

/** Builds a {@link PlazaError} from a {@link WireError}. Same as `PlazaError.fromWire`. */
export function fromWire(wire: unknown, cause?: unknown): PlazaError {
  return PlazaError.fromWire(wire, cause);
}

/**
 * Thrown synchronously when a method is called in a state that does not allow it, for example
 * `plaza.conversations.list()` before `connect()`.
 */
export class InvalidStateError extends Error {
  /** @param message - what was called in which state */
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

/** Whether repeating a request that failed with `code` may succeed later. */
export function isRetryableCode(code: ErrorCode): boolean {
  return RETRYABLE_ERROR_CODES.includes(code);
}

/**
 * Codes that a connection attempt fails with and that trying again with the same token and the
 * same client cannot fix.
 */
export const FATAL_CONNECT_CODES: readonly ErrorCode[] = [
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.TOKEN_EXPIRED,
  ErrorCode.TOKEN_REVOKED,
  ErrorCode.PROTOCOL_MISMATCH,
  ErrorCode.ORIGIN_NOT_ALLOWED,
];

/** Wraps anything thrown into a {@link PlazaError} (a `PlazaError` stays as it is). */
export function toPlazaError(error: unknown, fallback: ErrorCode = ErrorCode.INTERNAL): PlazaError {
  if (error instanceof PlazaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PlazaError(fallback, message, { cause: error });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
