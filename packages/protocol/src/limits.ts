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
} as const;

/** Limits a server applies; sent to clients in `session:hello`. */
export interface Limits {
  /** Largest message text, in UTF-8 bytes. */
  maxTextBytes: number;
  /** Largest socket.io packet the server accepts, in bytes. */
  maxPacketBytes: number;
  /** Most messages returned by one history or sync page. */
  maxPageSize: number;
}
