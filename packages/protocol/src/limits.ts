/** Default limits. The server may be configured with others and tells clients in `session:hello`. */
export const limitDefaults = {
  /** Largest message text, in UTF-8 bytes. */
  maxTextBytes: 16 * 1024,
  /** Largest socket.io packet the server accepts, in bytes. Larger ones close the connection. */
  maxPacketBytes: 256 * 1024,
  /** Most messages returned by one history or sync page. */
  maxPageSize: 200,
  /** Default history or sync page size. */
  defaultPageSize: 50,
  /** Most members a group or channel may have added in one request. */
  maxMembersPerRequest: 1000,
  /** Largest file, in bytes (100 MiB). */
  maxFileBytes: 100 * 1024 * 1024,
  /** Total bytes of files one user may have stored (1 GiB). */
  userQuotaBytes: 1024 * 1024 * 1024,
  /** Most attachments on one message. */
  maxAttachments: 10,
  /** Lifetime of a signed download URL, in seconds. */
  signedUrlTtlSec: 300,
} as const;

/** Limits a server applies; sent to clients in `session:hello`. */
export interface Limits {
  /** Largest message text, in UTF-8 bytes. */
  maxTextBytes: number;
  /** Largest socket.io packet the server accepts, in bytes. */
  maxPacketBytes: number;
  /** Most messages returned by one history or sync page. */
  maxPageSize: number;
  /** Largest file, in bytes. */
  maxFileBytes: number;
  /** Total bytes of files one user may have stored. */
  userQuotaBytes: number;
  /** Media types the server accepts (decided by sniffing the content); `*` patterns such as `image/*` allowed. */
  allowedFileTypes: string[];
  /** Path of the resumable upload (tus) endpoint, relative to the server URL. */
  uploadPath: string;
}
