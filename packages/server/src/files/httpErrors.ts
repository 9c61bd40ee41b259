import { ErrorCode } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';
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

/** HTTP status of a {@link PlazaError} code on the file routes. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
    case ErrorCode.TOKEN_EXPIRED:
      return 401;
    case ErrorCode.PERMISSION_DENIED:
    case ErrorCode.NOT_A_MEMBER:
    case ErrorCode.FORBIDDEN_ROLE:
    case ErrorCode.URL_EXPIRED_OR_INVALID:
      return 403;
    case ErrorCode.CONVERSATION_NOT_FOUND:
    case ErrorCode.FILE_NOT_FOUND:
    case ErrorCode.MESSAGE_NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
    case ErrorCode.QUOTA_EXCEEDED:
      return 413;
    case ErrorCode.UNSUPPORTED_FILE_TYPE:
      return 415;
    case ErrorCode.CHECKSUM_MISMATCH:
      return 460;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.UNAVAILABLE:
      return 503;
    case ErrorCode.INVALID_REQUEST:
      return 400;
    default:
      return 500;
  }
}

/** A {@link PlazaError} as a tus refusal. */
export function fromPlazaError(error: PlazaError): HttpRefusal {
  return { status_code: statusOf(error.code), body: errorBody(error.toWire()) };
}

/** The code tus's own plain-text errors map to, by status. */
export function codeOfTusStatus(status: number): ErrorCode {
  if (status === 404 || status === 410) return ErrorCode.FILE_NOT_FOUND;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 409 || status === 412) return ErrorCode.CONFLICT;
  if (status === 460) return ErrorCode.CHECKSUM_MISMATCH;
  if (status >= 400 && status < 500) return ErrorCode.INVALID_REQUEST;
  return ErrorCode.INTERNAL;
}
