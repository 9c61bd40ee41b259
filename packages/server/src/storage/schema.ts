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
  departments: DepartmentsTable;
  department_agents: DepartmentAgentsTable;
  topics: TopicsTable;
  requests: RequestsTable;
  request_events: RequestEventsTable;
  alert_channels: AlertChannelsTable;
  alerts: AlertsTable;
  alert_acks: AlertAcksTable;
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
  /** 1 while the sync of the file's bytes may still be running (recorded meanwhile); verified at start if still 1. */
  bytes_pending: ColumnType<number, number | undefined, number>;
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

/** A department of the city that answers requests (citizen desk). */
export interface DepartmentsTable {
  /** Slug chosen by the city. */
  id: string;
  name: string;
  description: string | null;
  /** JSON `OpeningHours`, or null for always open. */
  opening_hours: string | null;
  first_response_sla_sec: number | null;
  created_at: string;
  updated_at: string;
}

/** An agent of a department. */
export interface DepartmentAgentsTable {
  department_id: string;
  user_id: string;
  added_at: string;
}

/** A topic citizens report, routed to a department. */
export interface TopicsTable {
  /** Slug. */
  id: string;
  name: string;
  description: string | null;
  department_id: string;
  created_at: string;
  updated_at: string;
}

/** The desk state of a conversation of kind `request`. */
export interface RequestsTable {
  conversation_id: string;
  topic_id: string;
  department_id: string;
  citizen_id: string;
  /** The citizen's idempotency key of `request:open`. */
  client_id: string;
  /** `queued` | `claimed` | `on_hold` | `resolved`. */
  status: string;
  assignee_id: string | null;
  description: string;
  /** JSON `RequestLocation` or null. */
  location: string | null;
  transfer_note: string | null;
  resolution: string | null;
  created_at: string;
  updated_at: string;
  /** When it entered its current queue (opened, transferred, reopened): orders the queue. */
  queued_at: string;
  first_response_at: string | null;
  sla_due_at: string | null;
  /** 1 once the first-response SLA was missed. */
  sla_missed: number;
  resolved_at: string | null;
}

/** One change in a request's life (its history). */
export interface RequestEventsTable {
  id: Generated<number>;
  conversation_id: string;
  /** A `RequestChangeKind`. */
  change: string;
  actor_id: string | null;
  from_department_id: string | null;
  to_department_id: string | null;
  note: string | null;
  at: string;
}

/** A broadcast channel for alerts; recipients are the members of its conversation. */
export interface AlertChannelsTable {
  id: string;
  name: string;
  topic: string | null;
  area: string | null;
  conversation_id: string;
  ack_timeout_sec: number | null;
  escalation_department_id: string | null;
  created_at: string;
  updated_at: string;
}

/** An alert posted to a channel. */
export interface AlertsTable {
  /** `al_…`. */
  id: string;
  channel_id: string;
  conversation_id: string;
  /** The poster's idempotency key (unique per source), or null. */
  client_id: string | null;
  title: string;
  body: string;
  /** `info` | `warning` | `critical`. */
  severity: string;
  source: string;
  created_at: string;
  ack_deadline_at: string | null;
  escalated_at: string | null;
  escalation_request_id: string | null;
}

/** One recipient's acknowledgement of an alert. */
export interface AlertAcksTable {
  alert_id: string;
  user_id: string;
  at: string;
}
