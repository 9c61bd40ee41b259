import type { ColumnType, Generated } from 'kysely';

/** A nullable column that inserts may leave out (it starts as null). */
type OptionalNullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

/**
 * Table types of the chat database, as Kysely sees them. Column names are snake_case; timestamps
 * are ISO 8601 UTC strings; JSON columns hold text (portable to PostgreSQL, where `jsonb` would
 * also do).
 */
export interface ChatDatabase {
  users: UsersTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  reactions: ReactionsTable;
  direct_pairs: DirectPairsTable;
  outbox: OutboxTable;
  audit: AuditTable;
  files: FilesTable;
  message_attachments: MessageAttachmentsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  server_state: ServerStateTable;
}

/** A user seen in a token or added as a member. */
export interface UsersTable {
  id: string;
  name: string;
  /** JSON object or null. */
  metadata: string | null;
  created_at: string;
  updated_at: string;
  /** Tokens issued at or before this time (ISO 8601 UTC) are refused; null when never revoked. */
  sessions_revoked_at: OptionalNullable<string>;
}

/** A conversation and its counters. */
export interface ConversationsTable {
  id: string;
  kind: string;
  title: string | null;
  topic: string | null;
  external_ref: string | null;
  created_by: string;
  created_at: string;
  /** Highest message seq assigned. */
  last_seq: number;
  /** Highest change revision assigned. */
  last_rev: number;
  member_count: number;
  /** When the last message was appended (or the conversation created); orders conversation lists. */
  last_activity_at: string;
  /** Messages (and their files) older than this many seconds are swept; null keeps them forever. */
  retention_seconds: OptionalNullable<number>;
}

/** A user's membership in a conversation. */
export interface MembersTable {
  conversation_id: string;
  user_id: string;
  role: string;
  last_read_seq: number;
  joined_at: string;
}

/** A message or its tombstone. */
export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  rev: number;
  client_id: string | null;
  sender_id: string;
  kind: string;
  text: string;
  reply_to: string | null;
  /** JSON array of user ids. */
  mentions: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

/** One user's reaction with one emoji to one message. */
export interface ReactionsTable {
  conversation_id: string;
  message_id: string;
  emoji: string;
  user_id: string;
  created_at: string;
  /** The conversation revision the reaction was added at: orders reactions exactly. */
  rev: number;
}

/** The one direct conversation of an ordered pair of users (`user_a < user_b`). */
export interface DirectPairsTable {
  user_a: string;
  user_b: string;
  conversation_id: string;
}

/** An event for webhooks, written in the same transaction as the change it describes. */
export interface OutboxTable {
  id: Generated<number>;
  type: string;
  /** JSON. */
  payload: string;
  created_at: string;
  delivered_at: string | null;
  /** The message the event is about (its text is scrubbed from older rows on edit and delete). */
  message_id: string | null;
}

/** An audit record. */
export interface AuditTable {
  id: Generated<number>;
  at: string;
  action: string;
  actor_id: string | null;
  target: string | null;
  outcome: string;
  reason: string | null;
  ip: string | null;
  /** JSON object or null. */
  details: string | null;
}

/** A completed upload. Its bytes live in the file storage under `storage_key`, never under its name. */
export interface FilesTable {
  /** `f_…`, the tus upload id. */
  id: string;
  conversation_id: string;
  uploader_id: string;
  /** Sanitised original name (for display and `Content-Disposition` only). */
  name: string;
  size: number;
  /** Sniffed media type. */
  mime_type: string;
  /** Lowercase hex. */
  sha256: string;
  width: number | null;
  height: number | null;
  /** 1 when a thumbnail was stored under `<storage_key>.thumb`. */
  has_thumbnail: number;
  /** Media type of the thumbnail, or null. */
  thumbnail_mime: string | null;
  storage_key: string;
  created_at: string;
}

/** A file attached to a message, in the sender's order. */
export interface MessageAttachmentsTable {
  message_id: string;
  position: number;
  file_id: string;
}

/** A URL that receives webhook events. */
export interface WebhookEndpointsTable {
  /** `wh_…`. */
  id: string;
  url: string;
  /** JSON array of event type patterns (`message.created`, `message.*`, `*`). */
  events: string;
  /** The signing secret, `whsec_…` (base64 after the prefix). */
  secret: string;
  /** The secret the last rotation replaced, still signing until `previous_secret_expires_at` (0006). */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  description: string | null;
  /** 1 or 0. */
  enabled: number;
  created_at: string;
  updated_at: string;
}

/** One outbox event owed to one endpoint: pending (with its next attempt), delivered or dead. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: string;
  /** The outbox row id (the event id on the wire is `evt_<id>`). */
  event_id: number;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: string;
  /** HTTP status of the last attempt, null when it got no answer. */
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** Small named values the server keeps (for example the webhook dispatcher's outbox cursor). */
export interface ServerStateTable {
  key: string;
  /** JSON. */
  value: string;
}
