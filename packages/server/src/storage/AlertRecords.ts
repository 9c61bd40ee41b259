import type { Alert, AlertChannel, AlertSeverity, Conversation, Message } from '@plaza/protocol';

/** A new alert channel (its `channel` conversation is created with it). */
export interface NewAlertChannel {
  /** Slug id chosen by the city. */
  id: string;
  name: string;
  topic: string | null;
  area: string | null;
  ackTimeoutSec: number | null;
  escalationDepartmentId: string | null;
  /** Recipients: members (role `member`) of the channel's conversation. */
  memberIds: string[];
  /** Recorded as the conversation's creator (not made a member). */
  createdBy: string;
}

/** Changes to a channel (absent fields stay; `null` clears). */
export interface AlertChannelPatch {
  name?: string;
  topic?: string | null;
  area?: string | null;
  ackTimeoutSec?: number | null;
  escalationDepartmentId?: string | null;
}

/** A new alert. */
export interface NewAlert {
  channelId: string;
  title: string;
  body: string;
  severity: AlertSeverity;
  /** The posting system's name; with `clientId` the idempotency key. */
  source: string;
  clientId: string | null;
  /** Sender of the system message posted into the channel's conversation. */
  senderId: string;
  /** Text of that system message. */
  messageText: string;
}

/** What posting an alert produced. */
export interface PostedAlert {
  alert: Alert;
  /** The system message posted into the channel's conversation (`null` for a duplicate). */
  message: Message | null;
  /** Whether an alert with the same (source, clientId) existed already (nothing new was stored). */
  duplicate: boolean;
}

/** Filters and page of {@link AlertRecords.list}; every filter that is set must match. */
export interface AlertQuery {
  channelId?: string;
  /** Only alerts of channels this user is a recipient of. */
  memberId?: string;
  /** Alerts created at or after this instant (ISO 8601). */
  since?: string;
  /** Alerts created before this instant (ISO 8601). */
  until?: string;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** An alert whose acknowledgement deadline passed without an acknowledgement. */
export interface DueAlert {
  alert: Alert;
  /** The channel's escalation department now, or `null`. */
  escalationDepartmentId: string | null;
}

/**
 * Alert channels, alerts and acknowledgements: what the alert service persists. Part of
 * `ChatStore` (as `store.alerts`). Each mutating method is one transaction that writes its outbox
 * event(s). Expected failures throw `PlazaError` (`CHANNEL_NOT_FOUND`, `ALERT_NOT_FOUND`,
 * `DEPARTMENT_NOT_FOUND`, `NOT_A_MEMBER`, `CONFLICT`).
 */
export interface AlertRecords {
  /**
   * Creates a channel and its `channel` conversation (title = name, topic = topic, members =
   * recipients) in one transaction. Throws `CONFLICT` (the id is taken), `DEPARTMENT_NOT_FOUND`.
   */
  createChannel(input: NewAlertChannel): Promise<{ channel: AlertChannel; conversation: Conversation }>;
  /** A channel, or `null`. */
  getChannel(channelId: string): Promise<AlertChannel | null>;
  /** Channels by id, after the id `after`. */
  listChannels(query: { limit: number; after?: string }): Promise<{ items: AlertChannel[]; next: string | null }>;
  /**
   * Changes a channel; a new name or topic also changes its conversation (`conversation` is then
   * the changed conversation, else `null`). Throws `CHANNEL_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`.
   */
  updateChannel(channelId: string, patch: AlertChannelPatch): Promise<{ channel: AlertChannel; conversation: Conversation | null }>;

  /**
   * Stores an alert, its system message in the channel's conversation and `alert.created` in one
   * transaction; the deadline is now + the channel's `ackTimeoutSec`. The same (source, clientId)
   * again answers the first alert with `duplicate: true`, or `CONFLICT` when channel, title, body
   * or severity differ (a reused key, not a retry). Throws `CHANNEL_NOT_FOUND`.
   */
  post(input: NewAlert): Promise<PostedAlert>;
  /** An alert with its acknowledgements, or `null`. */
  get(alertId: string): Promise<Alert | null>;
  /** Alerts newest first with their acknowledgements. Throws `INVALID_REQUEST` for a foreign cursor. */
  list(query: AlertQuery): Promise<{ items: Alert[]; nextCursor: string | null }>;
  /**
   * Records `userId`'s acknowledgement and `alert.acknowledged`; again: no change
   * (`changed: false`). Throws `ALERT_NOT_FOUND`, `NOT_A_MEMBER` (not a recipient of its channel).
   */
  acknowledge(alertId: string, userId: string): Promise<{ alert: Alert; changed: boolean }>;
  /** Up to `limit` alerts not escalated, not acknowledged, whose deadline is at or before `now`, oldest deadline first. */
  dueForEscalation(now: string, limit: number): Promise<DueAlert[]>;
  /**
   * Marks an alert escalated (with the request its escalation opened, if any) and writes
   * `alert.escalated` (with `departmentId`); an alert escalated already is left as it is
   * (`changed: false`). Throws `ALERT_NOT_FOUND`.
   */
  markEscalated(alertId: string, escalation: { departmentId: string | null; requestId: string | null }): Promise<{ alert: Alert; changed: boolean }>;
}
