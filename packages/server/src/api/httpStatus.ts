import { ErrorCode } from '@plaza/protocol';

/** HTTP status of an error code on the REST API and the file routes. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.MEDIA_INCOMPATIBLE:
      return 400;
    case ErrorCode.UNAUTHENTICATED:
    case ErrorCode.TOKEN_EXPIRED:
    case ErrorCode.TOKEN_REVOKED:
      return 401;
    case ErrorCode.PERMISSION_DENIED:
    case ErrorCode.NOT_A_MEMBER:
    case ErrorCode.FORBIDDEN_ROLE:
    case ErrorCode.ORIGIN_NOT_ALLOWED:
    case ErrorCode.URL_EXPIRED_OR_INVALID:
      return 403;
    case ErrorCode.NOT_FOUND:
    case ErrorCode.CONVERSATION_NOT_FOUND:
    case ErrorCode.MESSAGE_NOT_FOUND:
    case ErrorCode.FILE_NOT_FOUND:
    case ErrorCode.USER_NOT_FOUND:
    case ErrorCode.WEBHOOK_NOT_FOUND:
    case ErrorCode.EVENT_NOT_FOUND:
    case ErrorCode.CALL_NOT_FOUND:
    case ErrorCode.PARTICIPANT_NOT_FOUND:
    case ErrorCode.MEDIA_NOT_FOUND:
    case ErrorCode.TOPIC_NOT_FOUND:
    case ErrorCode.DEPARTMENT_NOT_FOUND:
    case ErrorCode.REQUEST_NOT_FOUND:
    case ErrorCode.ALERT_NOT_FOUND:
    case ErrorCode.CHANNEL_NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
    case ErrorCode.QUOTA_EXCEEDED:
      return 413;
    case ErrorCode.UNSUPPORTED_FILE_TYPE:
      return 415;
    case ErrorCode.CHECKSUM_MISMATCH:
      // tus's status for a checksum that does not match (only the upload routes answer it).
      return 460;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.UNAVAILABLE:
    case ErrorCode.MEDIA_UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}
