import { ErrorCode, isErrorCode } from '@plaza/protocol';
import type { ErrorCode as ErrorCodeType } from '@plaza/protocol';
import { PlazaError } from '../errors.js';
import { UploadSourceError } from './TusFileReader.js';

/** The parts of tus-js-client's `DetailedError` that matter here. */
interface DetailedErrorLike {
  originalRequest?: unknown;
  originalResponse?: { getStatus(): number; getBody(): string } | null;
  causingError?: unknown;
}

/** The code for an HTTP status when the body names none. */
function codeForStatus(status: number): ErrorCodeType {
  if (status === 400) return ErrorCode.INVALID_REQUEST;
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.PERMISSION_DENIED;
  if (status === 404 || status === 410) return ErrorCode.FILE_NOT_FOUND;
  if (status === 409 || status === 412) return ErrorCode.CONFLICT;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 415) return ErrorCode.UNSUPPORTED_FILE_TYPE;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 460) return ErrorCode.CHECKSUM_MISMATCH; // tus checksum extension
  if (status >= 500) return ErrorCode.UNAVAILABLE;
  return ErrorCode.INTERNAL;
}

/**
 * Whether an upload request that got `status` may succeed when repeated: server errors, `408`,
 * `409` and `423` (the tus server's offset conflict and lock), `429`. Other `4xx` are final.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 423 || status === 429;
}

/**
 * A {@link PlazaError} for an HTTP error response of the file endpoints: the body's
 * `{ "error": { "code", "message" } }` when it has one, else a code chosen by the status
 * (401 `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 413 `PAYLOAD_TOO_LARGE`, 415
 * `UNSUPPORTED_FILE_TYPE`, 5xx `UNAVAILABLE`, …).
 */
export function errorFromResponse(status: number, body: string, cause?: unknown): PlazaError {
  let wire: unknown;
  try {
    wire = body.length > 0 ? (JSON.parse(body) as { error?: unknown }).error : undefined;
  } catch {
    wire = undefined;
  }
  if (typeof wire === 'object' && wire !== null && isErrorCode((wire as { code?: unknown }).code)) {
    return PlazaError.fromWire(wire, cause);
  }
  const text = body.trim().slice(0, 200);
  return new PlazaError(codeForStatus(status), `upload failed with HTTP ${status}${text ? ` (${text})` : ''}`, { cause });
}

/**
 * Turns whatever an upload failed with into a {@link PlazaError}: an HTTP error response, a
 * network failure (`UNAVAILABLE`), a problem with the input (`INVALID_REQUEST`), or a
 * `PlazaError` raised on the way (kept as it is).
 */
export function toUploadError(error: unknown): PlazaError {
  if (error instanceof PlazaError) return error;
  if (error instanceof UploadSourceError) return new PlazaError(ErrorCode.INVALID_REQUEST, error.message, { cause: error });
  const detailed = (typeof error === 'object' && error !== null ? error : {}) as DetailedErrorLike;
  const cause = detailed.causingError;
  if (cause instanceof PlazaError) return cause;
  if (cause instanceof UploadSourceError) return new PlazaError(ErrorCode.INVALID_REQUEST, cause.message, { cause });
  const response = detailed.originalResponse;
  if (response) return errorFromResponse(response.getStatus(), safeBody(response), error);
  const message = error instanceof Error ? error.message : String(error);
  if (detailed.originalRequest !== undefined) {
    return new PlazaError(ErrorCode.UNAVAILABLE, `cannot reach the upload endpoint (${message})`, { cause: error });
  }
  return new PlazaError(ErrorCode.INTERNAL, message, { cause: error });
}

function safeBody(response: { getBody(): string }): string {
  try {
    const body = response.getBody();
    return typeof body === 'string' ? body : '';
  } catch {
    return '';
  }
}
