import type { CallRequestMap, CallServerEvents } from './calls.js';
import type { DeskRequestMap, DeskServerEvents } from './desk.js';
import type { Ack } from './errors.js';
import type {
  Conversation,
  ConversationWithState,
  FileInfo,
  Member,
  Message,
  Presence,
  User,
} from './entities.js';
import type { ResolvedGrants } from './grants.js';
import type { Limits } from './limits.js';
import type { RequestPayloads } from './schemas.js';

/** What `session:hello` answers: who the server thinks you are and the limits it applies. */
export interface SessionInfo {
  /** The authenticated user. */
  user: User;
  /** The user's grants, defaults filled in. */
  grants: ResolvedGrants;
  /** Protocol version the server speaks with this client. */
  protocolVersion: number;
  /** Server release, for diagnostics. */
  serverVersion: string;
  /** Limits the server applies. */
  limits: Limits;
  /** Server clock (ISO 8601, UTC), to estimate skew. */
  serverTime: string;
}

/** A page of messages in ascending `seq` order. */
export interface HistoryPage {
  /** Messages, ascending by `seq`. */
  messages: Message[];
  /** Whether more messages exist beyond this page in the direction asked for. */
  hasMore: boolean;
}

/** Changes since a revision: new, edited, deleted and reacted-to messages, ascending by `rev`. */
export interface SyncPage {
  /** Changed messages, ascending by `rev`. */
  messages: Message[];
  /** The conversation's highest `seq` now. */
  lastSeq: number;
  /** The conversation's highest `rev` now. */
  lastRev: number;
  /** Whether more changes follow; ask again with the last message's `rev`. */
  hasMore: boolean;
}

/** A short-lived signed download URL. */
export interface SignedUrl {
  /** Absolute path with query (`/files/f_…?…`), to resolve against the server URL. */
  url: string;
  /** When it stops working (ISO 8601, UTC). */
  expiresAt: string;
}

/** What `read:mark` answers. */
export interface ReadState {
  /** The caller's read position now (never moves backwards). */
  lastReadSeq: number;
  /** Unread messages left. */
  unreadCount: number;
}

/**
 * Every request a client can make: its payload and the data of a successful answer.
 * Failures answer a {@link WireError} instead (see {@link Ack}).
 */
export interface RequestMap extends CallRequestMap, DeskRequestMap {
  'session:hello': { req: RequestPayloads['session:hello']; res: SessionInfo };
  'conversation:create': { req: RequestPayloads['conversation:create']; res: ConversationWithState };
  'conversation:openDirect': { req: RequestPayloads['conversation:openDirect']; res: ConversationWithState };
  'conversation:list': { req: RequestPayloads['conversation:list']; res: ConversationWithState[] };
  'conversation:get': { req: RequestPayloads['conversation:get']; res: ConversationWithState };
  'conversation:members': { req: RequestPayloads['conversation:members']; res: Member[] };
  'conversation:update': { req: RequestPayloads['conversation:update']; res: Conversation };
  'conversation:addMembers': { req: RequestPayloads['conversation:addMembers']; res: Member[] };
  'conversation:removeMember': { req: RequestPayloads['conversation:removeMember']; res: Record<string, never> };
  'conversation:setRole': { req: RequestPayloads['conversation:setRole']; res: Member };
  'conversation:join': { req: RequestPayloads['conversation:join']; res: ConversationWithState };
  'conversation:leave': { req: RequestPayloads['conversation:leave']; res: Record<string, never> };
  'message:send': { req: RequestPayloads['message:send']; res: Message };
  'message:edit': { req: RequestPayloads['message:edit']; res: Message };
  'message:delete': { req: RequestPayloads['message:delete']; res: Message };
  'message:react': { req: RequestPayloads['message:react']; res: Message };
  'message:history': { req: RequestPayloads['message:history']; res: HistoryPage };
  'message:sync': { req: RequestPayloads['message:sync']; res: SyncPage };
  'read:mark': { req: RequestPayloads['read:mark']; res: ReadState };
  'typing:set': { req: RequestPayloads['typing:set']; res: Record<string, never> };
  'presence:set': { req: RequestPayloads['presence:set']; res: Presence };
  'presence:get': { req: RequestPayloads['presence:get']; res: Presence[] };
  'file:url': { req: RequestPayloads['file:url']; res: SignedUrl };
  'file:get': { req: RequestPayloads['file:get']; res: FileInfo };
}

/** Name of a client→server request. */
export type RequestName = keyof RequestMap;
/** Payload of request `K`. */
export type RequestOf<K extends RequestName> = RequestMap[K]['req'];
/** Data of a successful answer to request `K`. */
export type ResponseOf<K extends RequestName> = RequestMap[K]['res'];

/** socket.io client→server events: every request takes its payload and an ack callback. */
export type ClientToServerEvents = {
  [K in RequestName]: (payload: RequestOf<K>, ack: (answer: Ack<ResponseOf<K>>) => void) => void;
};

/** Why a conversation disappeared from a user's list. */
export type ConversationRemovedReason = 'left' | 'removed';

/** How a member changed. */
export type MemberChange = 'added' | 'removed' | 'role';

/** socket.io server→client events. Payloads are tuples, as in socket.io's own typing. */
export interface ServerToClientEvents extends CallServerEvents, DeskServerEvents {
  /** A message was stored in a conversation the user belongs to. */
  'message:new': (message: Message) => void;
  /** A message was edited, deleted or reacted to. */
  'message:updated': (message: Message) => void;
  /** The user was added to a conversation (on every device). */
  'conversation:added': (conversation: ConversationWithState) => void;
  /** A conversation's title, topic or member count changed. */
  'conversation:updated': (conversation: Conversation) => void;
  /** The user left or was removed from a conversation. */
  'conversation:removed': (event: { conversationId: string; reason: ConversationRemovedReason }) => void;
  /** A member was added, removed or changed role. */
  'member:updated': (event: { conversationId: string; member: Member; change: MemberChange }) => void;
  /** A member's read position moved. */
  'read:updated': (event: { conversationId: string; userId: string; lastReadSeq: number }) => void;
  /** A member started or stopped typing. */
  typing: (event: { conversationId: string; userId: string; typing: boolean }) => void;
  /** The presence of a user who shares a conversation changed. */
  presence: (presence: Presence) => void;
}

/** Name of a server→client event. */
export type ServerEventName = keyof ServerToClientEvents;
