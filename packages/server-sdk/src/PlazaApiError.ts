import { ErrorCode, isErrorCode } from '@plaza/protocol';
import type { WireIssue } from '@plaza/protocol';

/** Machine-readable facts of a {@link PlazaApiError}, as the server sent them. */
export interface PlazaApiErrorDetails {
  /** For `RATE_LIMITED`: how long to wait before trying again. */
  retryAfterMs?: number;
  /** For `INVALID_REQUEST`: what did not match the schema (paths start with `params`, `query` or `body`). */
  issues?: WireIssue[];
  /** For `PAYLOAD_TOO_LARGE`: the limit that was exceeded, in bytes. */
  limit?: number;
  /** Anything else the server added. */
  [key: string]: unknown;
}

/** Options of the {@link PlazaApiError} constructor. */
export interface PlazaApiErrorOptions {
  /** HTTP status of the answer; `null` when there was none. */
  status?: number | null;
  /** The error's `details`. */
  details?: PlazaApiErrorDetails;
  /** How long to wait before retrying, from `details.retryAfterMs` or the `Retry-After` header. */
  retryAfterMs?: number | null;
  /** The operation that failed. */
  operationId?: string | null;
  /** The underlying error (network failure, abort). */
  cause?: unknown;
}

/**
 * A failed REST call of {@link PlazaApi}: the server's error answer, or a failure on the way
 * (`TIMEOUT`, `DISCONNECTED`, a client-side `INVALID_REQUEST`).
 *
 * @example
 * ```ts
 * try {
 *   await api.conversations.get('c_123');
 * } catch (error) {
 *   if (error instanceof PlazaApiError && error.code === 'CONVERSATION_NOT_FOUND') return null;
 *   throw error;
 * }
 * ```
 */
export class PlazaApiError extends Error {
  /** Stable code, one of `@plaza/protocol`'s `ErrorCode` values. */
  readonly code: ErrorCode;
  /** HTTP status of the answer; `null` when no answer arrived (timeout, network error, client-side validation). */
  readonly status: number | null;
  /** Machine-readable facts, for example `issues` of `INVALID_REQUEST`. */
  readonly details: PlazaApiErrorDetails | undefined;
  /** How long the server asked to wait before retrying (`RATE_LIMITED`, `UNAVAILABLE`), or `null`. */
  readonly retryAfterMs: number | null;
  /** The operation that failed, for example `createConversation`. */
  readonly operationId: string | null;

  /**
   * @param code - stable error code
   * @param message - human-readable explanation
   * @param options - status, details, retry hint, operation and cause
   */
  constructor(code: ErrorCode, message: string, options: PlazaApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlazaApiError';
    this.code = code;
    this.status = options.status ?? null;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.operationId = options.operationId ?? null;
  }
}

/** The code of an error answer that carries no (known) code: derived from its HTTP status. */
export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.INVALID_REQUEST;
    case 401:
      return ErrorCode.UNAUTHENTICATED;
    case 403:
      return ErrorCode.PERMISSION_DENIED;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 409:
      return ErrorCode.CONFLICT;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 502:
    case 503:
      return ErrorCode.UNAVAILABLE;
    case 504:
      return ErrorCode.TIMEOUT;
    default:
      return ErrorCode.INTERNAL;
  }
}

/**
 * Milliseconds a `Retry-After` header asks to wait (delay in seconds or an HTTP date), or `null`
 * when absent or unreadable.
 *
 * @param header - the header's value
 * @param now - the current time in ms since the epoch
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The {@link PlazaApiError} of an error answer: `{ "error": { code, message, details? } }` when the
 * body has that shape, otherwise a code derived from the status (a proxy's HTML page, an empty body).
 *
 * @param status - HTTP status
 * @param headers - the answer's headers (for `Retry-After`)
 * @param text - the answer's body
 * @param operationId - the operation that failed
 */
export function errorFromResponse(status: number, headers: Headers, text: string, operationId: string): PlazaApiError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const wire = isRecord(body) && isRecord(body.error) ? body.error : null;
  const rawCode = wire && typeof wire.code === 'string' ? wire.code : null;
  // A code this SDK does not know yet (a newer server) still gets the status's meaning.
  const code = rawCode !== null && isErrorCode(rawCode) ? rawCode : codeOfStatus(status);
  const message =
    wire && typeof wire.message === 'string' ? wire.message : `${operationId} failed with HTTP ${status}${rawCode && rawCode !== code ? ` (${rawCode})` : ''}`;
  const details = wire && isRecord(wire.details) ? (wire.details as PlazaApiErrorDetails) : undefined;
  const fromDetails = typeof details?.retryAfterMs === 'number' && details.retryAfterMs >= 0 ? details.retryAfterMs : null;
  const retryAfterMs = fromDetails ?? parseRetryAfter(headers.get('retry-after'));
  return new PlazaApiError(code, message, { status, ...(details ? { details } : {}), retryAfterMs, operationId });
}
