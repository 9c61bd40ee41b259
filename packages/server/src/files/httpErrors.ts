import { ErrorCode } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';
import { httpStatusOf } from '../api/httpStatus.js';
import type { PlazaError } from '../errors.js';
import type { HttpRefusal } from './UploadStore.js';

/** The JSON body of every file-route error: `{ "error": { code, message, details? } }`. */
export function errorBody(error: WireError): string {
  return JSON.stringify({ error: error });
}

/** A refusal for tus hooks (they answer with `status_code` and `body`). */
export function refusal(status: number, code: ErrorCode, message: string, details?: WireError['details']): HttpRefusal & { code: ErrorCode } {
  return { status_code: status, body: errorBody(details ? { code, message, details } : { code, message }), code };
}

/** Whether a thrown value is a {@link refusal}-shaped object. */
export function isRefusal(value: unknown): value is HttpRefusal {
  return typeof value === 'object' && value !== null && typeof (value as HttpRefusal).status_code === 'number' && typeof (value as HttpRefusal).body === 'string';
}

/** HTTP status of a {@link PlazaError} code on the file routes: the same as on the REST API. */
export const statusOf: (code: ErrorCode) => number = httpStatusOf;

/** A {@link PlazaError} as a tus refusal. */
export function fromPlazaError(error: PlazaError): HttpRefusal {
  return { status_code: statusOf(error.code), body: errorBody(error.toWire()) };
}

/**
 * The code of each plain-text error @tus/server answers by itself (its `ERRORS` and the checks it
 * makes before any hook), by the start of its text. Anything else falls back to
 * {@link codeOfTusStatus}.
 */
const TUS_ERROR_CODES: readonly (readonly [string, ErrorCode])[] = [
  ['Tus-Resumable Required', ErrorCode.INVALID_REQUEST],
  ['Invalid ', ErrorCode.INVALID_REQUEST],
  ['Upload-Offset header required', ErrorCode.INVALID_REQUEST],
  ['Content-Type header required', ErrorCode.INVALID_REQUEST],
  ['Upload-Length or Upload-Defer-Length header required', ErrorCode.INVALID_REQUEST],
  ['Upload-Metadata is invalid', ErrorCode.INVALID_REQUEST],
  ['Upload-Offset conflict', ErrorCode.CONFLICT],
  ['Cannot terminate an already completed upload', ErrorCode.CONFLICT],
  ['The file for this url was not found', ErrorCode.FILE_NOT_FOUND],
  ['The file for this url no longer exists', ErrorCode.FILE_NOT_FOUND],
  ["upload's size exceeded", ErrorCode.PAYLOAD_TOO_LARGE],
  ['Maximum size exceeded', ErrorCode.PAYLOAD_TOO_LARGE],
  ['failed to acquire lock before timeout', ErrorCode.UNAVAILABLE],
  ['Request aborted due to lock acquired', ErrorCode.CONFLICT],
  ['Concatenation extension is not', ErrorCode.INVALID_REQUEST],
  ['creation-defer-length extension is not', ErrorCode.INVALID_REQUEST],
  ['Not found', ErrorCode.INVALID_REQUEST],
];

/** The code of one of tus's own plain-text error answers. */
export function codeOfTusError(status: number, text: string): ErrorCode {
  const trimmed = text.trim();
  for (const [start, code] of TUS_ERROR_CODES) if (trimmed.startsWith(start)) return code;
  return codeOfTusStatus(status);
}

/**
 * Any error answer of the tus endpoint as the JSON body every Plaza HTTP error has: bodies that
 * already are (our refusals) are kept; tus's own plain text becomes `{ error: { code, message } }`.
 */
export function jsonErrorBody(status: number, body: string): string {
  if (body.startsWith('{"error":')) return body;
  const message = body.trim() || `request failed with HTTP ${status}`;
  return errorBody({ code: codeOfTusError(status, message), message });
}

/** The code tus's own plain-text errors map to, by status. */
export function codeOfTusStatus(status: number): ErrorCode {
  if (status === 404 || status === 410) return ErrorCode.FILE_NOT_FOUND;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 423 || status === 503) return ErrorCode.UNAVAILABLE;
  if (status === 460) return ErrorCode.CHECKSUM_MISMATCH;
  if (status >= 400 && status < 500) return ErrorCode.INVALID_REQUEST;
  return ErrorCode.INTERNAL;
}
