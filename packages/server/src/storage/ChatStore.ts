import type {
  Conversation,
  ConversationKind,
  ConversationWithState,
  HistoryPage,
  Member,
  MemberRole,
  Message,
  ReadState,
  SyncPage,
  User,
} from '@plaza/protocol';
import type { AlertRecords } from './AlertRecords.js';
import type { FileRecords } from './FileRecords.js';
import type { RetentionBatch } from './retentionQueries.js';
import type { ErasureOutcome, UserExportData } from './userData.js';
import type { NewOutboxEvent } from './outbox.js';
import type { WebhookRecords } from './WebhookRecords.js';
import type { RequestRecords } from './RequestRecords.js';
import type { DirectoryRecords } from './DirectoryRecords.js';

/** A new conversation. `members` must include the creator. */
export interface NewConversation {
  kind: ConversationKind;
  title: string | null;
  topic: string | null;
  externalRef: string | null;
  createdBy: string;
  members: { userId: string; role: MemberRole }[];
}

/** A message to append. The store assigns `id`, `seq`, `rev` and `createdAt`. */
export interface NewMessage {
  conversationId: string;
  senderId: string;
  /** Idempotency key: the same (conversationId, senderId, clientId) returns the first message. */
  clientId: string | null;
  kind: 'user' | 'system';
  text: string;
  replyTo: string | null;
  mentions: string[];
  /**
   * Ids of completed uploads to attach, in order. Each must be a file of this conversation
   * uploaded by `senderId`, else only this append fails with `FILE_NOT_FOUND`.
   */
  attachments?: string[];
}

/** What appending one message produced. */
export interface AppendResult {
  /** The stored message (the first one, when `duplicate`). */
  message: Message;
  /** Whether a message with the same clientId existed already (nothing new was stored). */
  duplicate: boolean;
}

/** The bare membership row of a user in a conversation. */
export interface Membership {
  conversationId: string;
  userId: string;
  role: MemberRole;
  lastReadSeq: number;
  joinedAt: string;
}

/** One audit record. Never a token and never message text. */
export interface AuditEntry {
  /** What happened, for example `connection.accepted`, `connection.refused`, `grant.denied`, `member.added`. */
  action: string;
  /** Who did it (user id), or `null` when unknown (a refused connection without a valid token). */
  actorId: string | null;
  /** What it was done to, for example a conversation id or a user id. */
  target: string | null;
  /** Whether it was allowed. */
  outcome: 'allowed' | 'denied';
  /** Why, for a denial: an error code or a short reason. */
  reason: string | null;
  /** Where from: remote address. */
  ip: string | null;
  /** Extra facts (never secrets). */
  details: Record<string, unknown> | null;
  /**
   * When it happened, ISO 8601 UTC (the `Auditor` sets it when the entry is recorded, not when its
   * batch is written); the time of the write when absent.
   */
  at?: string;
}

/** A stored audit record. */
export interface AuditRecord extends AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
}

/** Filters and page of {@link ChatStore.listAudit}; every filter that is set must match. */
export interface AuditQuery {
  /** Most records to return. */
  limit: number;
  /** Only records with a smaller id (older): the pagination cursor. */
  beforeId?: number;
  actorId?: string;
  action?: string;
  target?: string;
  outcome?: 'allowed' | 'denied';
  /** Records at or after this instant (ISO 8601). */
  since?: string;
  /** Records before this instant (ISO 8601). */
  until?: string;
}

/** Filters and page of {@link ChatStore.listConversationsPage}; every filter that is set must match. */
export interface ConversationQuery {
  externalRef?: string;
  topic?: string;
  /** Only conversations this user belongs to. */
  memberId?: string;
  /** Most conversations to return. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Everything the server persists for chat. One implementation per database: SQLite (the default,
 * one machine) now, PostgreSQL later with the same Kysely queries. Every method is async so a
 * networked database fits. Methods throw `PlazaError` for expected failures (not found, conflict).
 *
 * Atomicity: each mutating method is one transaction that also writes its outbox event(s)
 * (`message.created`, `message.updated`, `conversation.created`, `member.added`, …) so webhooks
 * can later be delivered at least once.
 */
export interface ChatStore extends FileRecords {
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<void>;
  /** Waits for pending writes, then closes the database. Idempotent. */
  close(): Promise<void>;
  /** Whether the database answers (for `/readyz`). */
  ping(): Promise<boolean>;

  /**
   * Inserts or updates a user's display name and metadata (called on every accepted connection);
   * writes nothing when they are unchanged.
   */
  upsertUser(user: User): Promise<void>;
  /** Users by id; unknown ids are left out. */
  getUsers(ids: readonly string[]): Promise<User[]>;

  /** Creates a group or channel (or a direct conversation, but prefer `openDirect`). */
  createConversation(input: NewConversation): Promise<Conversation>;
  /** Returns the one direct conversation between two users, creating it if needed. Race-free. */
  openDirect(userA: string, userB: string): Promise<{ conversation: Conversation; created: boolean }>;
  /** A conversation by id, or `null`. */
  getConversation(conversationId: string): Promise<Conversation | null>;
  /** A conversation with `userId`'s own state, or `null` if it does not exist or they are not a member. */
  getConversationWithState(conversationId: string, userId: string): Promise<ConversationWithState | null>;
  /** Every conversation `userId` belongs to, most recently active first. */
  listConversations(userId: string): Promise<ConversationWithState[]>;
  /** Updates title, topic and/or external reference (`null` clears the last two). Throws `CONVERSATION_NOT_FOUND`. */
  updateConversation(conversationId: string, patch: { title?: string; topic?: string | null; externalRef?: string | null }): Promise<Conversation>;
  /**
   * Every conversation matching the filters (not per user: for the REST API), newest created first,
   * a page at a time. Throws `INVALID_REQUEST` for a cursor the list did not hand out.
   */
  listConversationsPage(query: ConversationQuery): Promise<{ items: Conversation[]; nextCursor: string | null }>;

  /**
   * A conversation and `userId`'s membership in it (`null` when not a member), read together; `null`
   * when the conversation does not exist. The per-request access check.
   */
  getConversationForMember(conversationId: string, userId: string): Promise<{ conversation: Conversation; membership: Membership | null } | null>;
  /** `userId`'s membership, or `null`. */
  getMembership(conversationId: string, userId: string): Promise<Membership | null>;
  /** All members with names, owners first, then by join time. */
  listMembers(conversationId: string): Promise<Member[]>;
  /** All member ids. */
  listMemberIds(conversationId: string): Promise<string[]>;
  /** Adds members (unknown users are created with their id as name); returns only those newly added. */
  addMembers(conversationId: string, members: { userId: string; role: MemberRole }[]): Promise<Member[]>;
  /** Removes a member; returns the removed member or `null` if they were not one. */
  removeMember(conversationId: string, userId: string): Promise<Member | null>;
  /** Changes a member's role. Throws `NOT_A_MEMBER`. */
  setRole(conversationId: string, userId: string, role: MemberRole): Promise<Member>;
  /** Ids of all conversations `userId` belongs to (with `belowMemberCount`: only those with fewer members). */
  conversationIdsOf(userId: string, options?: { belowMemberCount?: number }): Promise<string[]>;
  /** Ids of all users who share at least one conversation with `userId` (not including them). */
  contactsOf(userId: string): Promise<string[]>;

  /**
   * Appends a message: assigns the next gapless `seq` and `rev`, stores it and its outbox event, and
   * resolves only after the commit. Calls that arrive together are committed in one transaction
   * (group commit), each still resolving after that commit. Same clientId again → the first message
   * with `duplicate: true`, or `CONFLICT` when the text differs (a reused key, not a retry). Throws `CONVERSATION_NOT_FOUND` (only that call fails, not the others
   * of its batch), `UNAVAILABLE` after `close()`, and `TypeError` at once for malformed input.
   * Does not check membership or permissions: the caller does.
   */
  appendMessage(input: NewMessage): Promise<AppendResult>;
  /** A message by id within a conversation, or `null`. */
  getMessage(conversationId: string, messageId: string): Promise<Message | null>;
  /** Replaces the text; bumps `rev`; sets `editedAt`. Throws `MESSAGE_NOT_FOUND`, `CONFLICT` if deleted. */
  editMessage(conversationId: string, messageId: string, text: string, mentions: string[]): Promise<Message>;
  /**
   * Tombstones a message: empties text, mentions, reactions and attachments; sets `deletedAt`;
   * bumps `rev`. Files no other message references lose their rows (see
   * `deleteMessageReleasingFiles` to also learn which). Idempotent.
   */
  deleteMessage(conversationId: string, messageId: string): Promise<Message>;
  /** Adds or removes `userId`'s reaction; bumps `rev` when something changed. `CONFLICT` if deleted. */
  react(conversationId: string, messageId: string, userId: string, emoji: string, add: boolean): Promise<Message>;
  /**
   * A page of messages ascending by seq: with `beforeSeq` the `limit` messages just before it,
   * with `afterSeq` the `limit` messages just after it, with neither the latest `limit`.
   * An unknown conversation gives an empty page (check membership first).
   */
  history(conversationId: string, query: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<HistoryPage>;
  /** Messages whose `rev` is greater than `afterRev`, ascending by rev, at most `limit`. */
  changesSince(conversationId: string, afterRev: number, limit: number): Promise<SyncPage>;
  /**
   * Moves `userId`'s read position forward to `seq` (clamped to lastSeq; never backwards). The unread
   * count is of messages after it that others sent, of kind `user`, not deleted. Writes no outbox
   * event. Throws `CONVERSATION_NOT_FOUND`, `NOT_A_MEMBER`.
   */
  markRead(conversationId: string, userId: string, seq: number): Promise<ReadState>;

  /** Webhook endpoints and deliveries, and the outbox as events (REST API and webhook dispatcher). */
  readonly webhooks: WebhookRecords;
  /** The citizen desk's requests: open, transitions, queues, first response and SLA (one transaction per change). */
  readonly requests: RequestRecords;
  /** The citizen desk's departments, agents and topics. */
  readonly directory: DirectoryRecords;
  /**
   * Writes outbox events that no other store change carries (call and participant events), in one
   * transaction.
   */
  recordEvents(events: readonly NewOutboxEvent[]): Promise<void>;
  /** Alert channels, alerts and their acknowledgements. */
  readonly alerts: AlertRecords;

  /** Records an audit entry. */
  audit(entry: AuditEntry): Promise<void>;
  /** Records audit entries in one transaction (one commit for all of them). */
  auditMany(entries: readonly AuditEntry[]): Promise<void>;
  /**
   * Retention: deletes outbox events created before `outboxBefore` and audit records before
   * `auditBefore` (ISO 8601 UTC timestamps); resolves with how many of each were deleted.
   */
  deleteExpired(cutoffs: { outboxBefore: string; auditBefore: string }): Promise<{ outbox: number; audit: number }>;
  /**
   * Voids every token of `userId` issued at or before now (creating the user when unknown) and
   * writes the `user.sessions_revoked` event; resolves with the revocation time (ISO 8601).
   */
  revokeSessions(userId: string): Promise<string>;
  /** When `userId`'s sessions were last revoked (ISO 8601), or `null` (also for unknown users). */
  sessionsRevokedAt(userId: string): Promise<string | null>;
  /**
   * Everything stored about `userId` (profile, memberships, sent messages, reactions, uploaded
   * files, audit records as actor or target, citizen desk requests opened and handled, agent
   * departments, alert acknowledgements), newest `caps` entries of each list; `null` when unknown.
   */
  exportUserData(userId: string, caps: { items: number; files: number }): Promise<UserExportData | null>;
  /**
   * Erases `userId` in one transaction: sent messages become tombstones under `ids.pseudonym`,
   * reactions, memberships (a sole owner's conversation gets its longest-standing member as
   * owner), direct pairs, uploaded files (rows; the caller deletes bytes) and mentions go, audit
   * records and outbox events are rewritten with the pseudonym, the citizen desk's records keep
   * their place under the pseudonym without the citizen's description and location (agent
   * memberships of departments go; see deskUserData.ts), the user row goes, and a
   * `user.erased` event without personal data is written. Throws `USER_NOT_FOUND`.
   */
  eraseUser(userId: string, ids: { pseudonym: string; erasureId: string }): Promise<ErasureOutcome>;
  /** A conversation's retention period in seconds, or `null`. Throws `CONVERSATION_NOT_FOUND`. */
  getRetention(conversationId: string): Promise<number | null>;
  /** Sets (or with `null` clears) a conversation's retention period. Throws `CONVERSATION_NOT_FOUND`. */
  setRetention(conversationId: string, seconds: number | null): Promise<number | null>;
  /**
   * One batch of the message retention sweep (one transaction): deletes up to `limit` messages per
   * conversation older than its retention period as of `nowMs`, with reactions, attachment links,
   * outbox events and the files nothing references any more (rows; the caller deletes bytes).
   */
  sweepExpiredMessages(nowMs: number, limit: number): Promise<RetentionBatch>;
  /** Audit records, newest first. */
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
}
