/**
 * Stable error codes shared by server and client. A code never changes meaning once released;
 * the human-readable message may.
 */
export const ErrorCode = {
  /** The request did not match its schema (wrong shape, wrong types, unknown keys). */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** The request or one of its fields exceeds a size limit (for example message text). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** No token, or a token that cannot be verified. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The token was valid once but has expired. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The client speaks a protocol version the server does not support. */
  PROTOCOL_MISMATCH: 'PROTOCOL_MISMATCH',
  /** The browser Origin of the connection is not on the server's allow-list. */
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  /** The token does not carry the grant this action needs. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The caller is not a member of the conversation. */
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  /** The caller is a member but their role does not allow this action. */
  FORBIDDEN_ROLE: 'FORBIDDEN_ROLE',
  /** No conversation with that id. */
  CONVERSATION_NOT_FOUND: 'CONVERSATION_NOT_FOUND',
  /** No message with that id in that conversation. */
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  /** No file with that id (or not in a conversation the caller belongs to). */
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  /** The file's content is of a type the server does not accept (decided by sniffing). */
  UNSUPPORTED_FILE_TYPE: 'UNSUPPORTED_FILE_TYPE',
  /** Storing the file would exceed the user's storage quota. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** The uploaded content does not match the SHA-256 the client declared. */
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  /** A signed URL is expired, tampered with or not for this file. */
  URL_EXPIRED_OR_INVALID: 'URL_EXPIRED_OR_INVALID',
  /** No live call with that id, or the caller is not one of its participants. */
  CALL_NOT_FOUND: 'CALL_NOT_FOUND',
  /** No participant with that id in the call. */
  PARTICIPANT_NOT_FOUND: 'PARTICIPANT_NOT_FOUND',
  /** No transport, track, consumer or data channel with that id belongs to the caller's side of the call. */
  MEDIA_NOT_FOUND: 'MEDIA_NOT_FOUND',
  /** The media parameters cannot work: malformed RTP/DTLS data, a codec the call does not use, or a track the caller's device cannot receive. */
  MEDIA_INCOMPATIBLE: 'MEDIA_INCOMPATIBLE',
  /** Calls are disabled on this server or its media workers are not available; retry later. */
  MEDIA_UNAVAILABLE: 'MEDIA_UNAVAILABLE',
  /** No REST route or resource at that path. */
  NOT_FOUND: 'NOT_FOUND',
  /** No user with that id has ever been seen by the server. */
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  /** No webhook endpoint with that id. */
  WEBHOOK_NOT_FOUND: 'WEBHOOK_NOT_FOUND',
  /** No outbox event with that id (never written, or removed by retention). */
  EVENT_NOT_FOUND: 'EVENT_NOT_FOUND',
  /** No citizen-desk topic with that id. */
  TOPIC_NOT_FOUND: 'TOPIC_NOT_FOUND',
  /** No citizen-desk department with that id. */
  DEPARTMENT_NOT_FOUND: 'DEPARTMENT_NOT_FOUND',
  /** No citizen request with that conversation id (or not one the caller may see). */
  REQUEST_NOT_FOUND: 'REQUEST_NOT_FOUND',
  /** No alert with that id (or not in an alert channel the caller belongs to). */
  ALERT_NOT_FOUND: 'ALERT_NOT_FOUND',
  /** No alert channel with that id. */
  CHANNEL_NOT_FOUND: 'CHANNEL_NOT_FOUND',
  /** The access token was revoked (the user's sessions were revoked after it was issued). */
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  /** The action conflicts with the current state (for example editing a deleted message). */
  CONFLICT: 'CONFLICT',
  /** Too many requests; retry after `details.retryAfterMs`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The event name is not part of the protocol. */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /** The server is shutting down or not ready; retry later. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** No answer in time (raised by the client). */
  TIMEOUT: 'TIMEOUT',
  /** The connection closed before an answer arrived (raised by the client). */
  DISCONNECTED: 'DISCONNECTED',
  /** Something unexpected failed on the server; the details are in its log, not here. */
  INTERNAL: 'INTERNAL',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Whether `value` is a known {@link ErrorCode}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCode, value);
}

/** One schema problem, as reported in {@link WireError.details}. */
export interface WireIssue {
  /** Path to the offending field, for example `['text']`. */
  path: (string | number)[];
  /** What is wrong with it. */
  message: string;
}

/** An error as it travels on the wire. Never carries a stack trace. */
export interface WireError {
  /** Stable machine-readable code. */
  code: ErrorCode;
  /** Human-readable explanation, safe to show to a developer. */
  message: string;
  /** Extra machine-readable facts for some codes. */
  details?: {
    /** For `RATE_LIMITED`: how long to wait before trying again. */
    retryAfterMs?: number;
    /** For `INVALID_REQUEST`: what did not match the schema. */
    issues?: WireIssue[];
    /** For `PAYLOAD_TOO_LARGE`: the limit that was exceeded, in bytes. */
    limit?: number;
  };
}

/**
 * The answer to every request: the data on success or a {@link WireError}.
 *
 * @typeParam T - the data of a successful answer
 */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };

/** Codes after which repeating the same request later may succeed. */
export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = [
  ErrorCode.RATE_LIMITED,
  ErrorCode.UNAVAILABLE,
  ErrorCode.MEDIA_UNAVAILABLE,
  ErrorCode.TIMEOUT,
  ErrorCode.DISCONNECTED,
];
