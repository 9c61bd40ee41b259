import type { ClientToServerEvents, ResolvedGrants, ServerToClientEvents, User } from '@plaza/protocol';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { Auditor } from '../Auditor.js';
import type { CallManager } from '../calls/CallManager.js';
import type { FileService } from '../files/FileService.js';
import type { ServerMetrics } from '../metrics.js';
import type { PresenceAnnouncer } from '../presence/PresenceAnnouncer.js';
import type { PresenceStore } from '../presence/PresenceStore.js';
import type { RateLimiter } from '../ratelimit/RateLimiter.js';
import type { ChatStore } from '../storage/ChatStore.js';
import type { SendTicket } from './SendSequencer.js';

/** What the auth middleware stores on every accepted socket (`socket.data`). */
export interface SocketData {
  /** The authenticated user. */
  user: User;
  /** The user's grants, defaults filled in. */
  grants: ResolvedGrants;
  /** When the token expires (ms since epoch). */
  expiresAtMs: number;
  /** Protocol version the client speaks. */
  protocolVersion: number;
  /** Remote address. */
  ip: string | null;
  /** Conversations the user belonged to when the socket was accepted. */
  conversationIds: string[];
  /** Citizen-desk departments the user was an agent of when the socket was accepted. */
  departmentIds: string[];
}

/** The socket.io server with Plaza's event maps. */
export type PlazaIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
/** A socket with Plaza's event maps. */
export type PlazaSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Limits applied to requests. */
export interface ServerLimits {
  maxTextBytes: number;
  maxPacketBytes: number;
  maxPageSize: number;
  defaultPageSize: number;
  /** Largest file, in bytes. */
  maxFileBytes: number;
  /** Bytes of files one user may store. */
  userQuotaBytes: number;
  /** Sniffed media types accepted for upload. */
  allowedFileTypes: string[];
  /** Path of the tus endpoint. */
  uploadPath: string;
  /** Most attachments on one message. */
  maxAttachments: number;
  /** Conversations with at least this many members get no presence broadcasts. */
  presenceLargeConversationMembers: number;
  /** Longest token lifetime (`exp - iat`) accepted, in seconds. */
  maxTokenTtlSec: number;
}

/** Everything the signaling layer needs, injected once per server. */
export interface SignalingContext {
  io: PlazaIo;
  store: ChatStore;
  presence: PresenceStore;
  /** Decides when presence changes are broadcast (grace period, coalescing). */
  announcer: PresenceAnnouncer;
  limiters: { requests: RateLimiter; messages: RateLimiter; media: RateLimiter };
  auditor: Auditor;
  metrics: ServerMetrics;
  logger: Logger;
  limits: ServerLimits;
  /** File sharing: uploads, quota, signed URLs, deleting released files. */
  files: FileService;
  apiKeys: Readonly<Record<string, string>>;
  allowedOrigins: readonly string[];
  serverVersion: string;
  /** Whether the server is shutting down (new connections and requests are refused). */
  isClosing(): boolean;
  /** Requests being handled now (shutdown lets them finish). */
  inflight: Set<Promise<unknown>>;
  /** Live calls, media workers and ringing. */
  calls: CallManager;
}

/** What one request handler gets besides its payload. */
export interface RequestContext {
  server: SignalingContext;
  socket: PlazaSocket;
  user: User;
  grants: ResolvedGrants;
  ip: string | null;
  /** A logger bound to this request's event and user. */
  logger: Logger;
  /** For `message:send`: this request's place in the socket's line of sends. */
  sendTicket?: SendTicket;
}

/** Room of every socket of a user. */
export function userRoom(userId: string): string {
  return `u:${userId}`;
}

/** Room of every socket of every agent of a citizen-desk department (queue events). */
export function departmentRoom(departmentId: string): string {
  return `d:${departmentId}`;
}

/** Room of every socket of every member of a conversation. */
export function conversationRoom(conversationId: string): string {
  return `c:${conversationId}`;
}
