import type { CitizenRequest, Conversation, Member, MemberRole, Message, RequestChangeKind, RequestLocation, RequestStatus } from '@plaza/protocol';

/** A message the desk posts into a request's conversation as part of a change (same transaction). */
export interface DeskMessage {
  /** The author: the citizen for their opening description, `system:desk` for desk notices. */
  senderId: string;
  kind: 'user' | 'system';
  text: string;
  /** Idempotency key (as for `appendMessage`), or `null`. */
  clientId: string | null;
}

/** A request to open (see {@link RequestRecords.open}). */
export interface NewRequest {
  citizenId: string;
  /** The citizen's idempotency key: the same (citizen, key) again answers the first request. */
  clientId: string;
  topicId: string;
  /** The topic's department: the queue it enters. */
  departmentId: string;
  /** The conversation's title (the topic's name). */
  title: string;
  description: string;
  location: RequestLocation | null;
  /** When the first-response SLA runs out, or `null` without one. */
  slaDueAt: string | null;
  /** Posted in order into the new conversation (the description first). */
  messages: DeskMessage[];
  /** The time of the change (ISO 8601): `created_at`, `queued_at`; `slaDueAt` was derived from it. */
  at: string;
}

/** What opening a request produced. */
export interface OpenedRequest {
  request: CitizenRequest;
  conversation: Conversation;
  /** The messages posted (empty when `created` is false). */
  messages: Message[];
  /** `false` when the (citizen, clientId) pair had opened it before: nothing was written. */
  created: boolean;
}

/** The state a transition requires (else `CONFLICT`; every field that is set must match). */
export interface RequestPrecondition {
  statuses: readonly RequestStatus[];
  /** The assignee it must have (`null`: none). */
  assigneeId?: string | null;
}

/** New values of a transition; absent fields stay as they are. */
export interface RequestPatch {
  status: RequestStatus;
  assigneeId?: string | null;
  departmentId?: string;
  transferNote?: string | null;
  resolution?: string | null;
  /** Whether it enters a queue now (`queued_at` = now): transfer and reopen. */
  requeue?: boolean;
  slaDueAt?: string | null;
  /** Starts a new first-response cycle (`first_response_at` and `sla_missed` cleared): transfer and reopen. */
  restartSla?: boolean;
  /** Sets `resolved_at` to now (`true`) or clears it (`false`). */
  resolved?: boolean;
}

/** One change of a request's life, written in one transaction with everything it implies. */
export interface RequestTransition {
  conversationId: string;
  change: Exclude<RequestChangeKind, 'opened' | 'sla_missed'>;
  /** Who makes it: a user id or `api:<key>`. */
  actorId: string;
  expect: RequestPrecondition;
  patch: RequestPatch;
  /** The note of its history entry (transfer note, hold note, resolution, reopen reason). */
  note: string | null;
  /** For a transfer: the departments it moves between. */
  fromDepartmentId?: string;
  toDepartmentId?: string;
  /** Posted in order into the conversation. */
  messages: DeskMessage[];
  /** A member to add (the assignee on claim). */
  addMember?: { userId: string; role: MemberRole };
  /** A member to remove (the assignee on transfer or reopen). */
  removeMemberId?: string;
  /** The time of the change (ISO 8601): `updated_at`, `queued_at` on requeue; `patch.slaDueAt` was derived from it. */
  at: string;
}

/** What a transition produced. */
export interface RequestTransitionResult {
  request: CitizenRequest;
  /** The request before the change. */
  previous: CitizenRequest;
  messages: Message[];
  /** Members added (none when the assignee was a member already). */
  added: Member[];
  /** The member removed, or `null`. */
  removed: Member | null;
}

/** One entry of a request's history. */
export interface RequestHistoryEntry {
  change: RequestChangeKind;
  actorId: string | null;
  fromDepartmentId: string | null;
  toDepartmentId: string | null;
  note: string | null;
  at: string;
}

/** A request in a queue with what an agent needs to pick it. */
export interface QueueRow extends CitizenRequest {
  citizenName: string;
  /** When it entered this queue. */
  queuedAt: string;
}

/** Which requests of a department {@link RequestRecords.queue} lists. */
export type QueueView = 'waiting' | 'mine' | 'all';

/** Filters and page of {@link RequestRecords.list}; every filter that is set must match. */
export interface RequestQuery {
  departmentId?: string;
  status?: RequestStatus;
  citizenId?: string;
  externalRef?: string;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * The citizen desk's requests: one per conversation of kind `request`. Part of `ChatStore` (as
 * `store.requests`). Each change is one transaction that writes the `requests` row, a
 * `request_events` row, the outbox event `request.<change>` (payload `{ request, actorId,
 * fromDepartmentId? }`), the messages it posts (with their `message.created` events) and the
 * membership it changes (with `member.*` events). Permission rules are the caller's; the
 * preconditions of a transition are checked atomically here.
 */
export interface RequestRecords {
  /**
   * Opens a request: a conversation of kind `request` (topic = topic id) with the citizen as
   * member, the request queued in its department, the messages, the `opened` history entry and
   * event. Idempotent per (citizen, clientId): a repeat writes nothing and answers the first.
   */
  open(input: NewRequest): Promise<OpenedRequest>;
  /** Applies a transition. Throws `REQUEST_NOT_FOUND`, or `CONFLICT` when the precondition fails. */
  apply(transition: RequestTransition): Promise<RequestTransitionResult>;
  /** A request, or `null`. */
  get(conversationId: string): Promise<CitizenRequest | null>;
  /** A request's history, oldest first. */
  history(conversationId: string): Promise<RequestHistoryEntry[]>;
  /** The requests `citizenId` opened (of one status), newest first. */
  listByCitizen(citizenId: string, status?: RequestStatus): Promise<CitizenRequest[]>;
  /**
   * A department's queue, oldest first by the time each entered it: `waiting` the queued ones,
   * `mine` those claimed or on hold by `agentId`, `all` every open one.
   */
  queue(departmentId: string, view: QueueView, agentId: string): Promise<QueueRow[]>;
  /** Requests matching the filters, newest first, a page at a time. Throws `INVALID_REQUEST` for a foreign cursor. */
  list(query: RequestQuery): Promise<{ items: CitizenRequest[]; nextCursor: string | null }>;
  /**
   * Records the first response when `senderId` is the assignee or an agent of the request's
   * department and nobody answered yet: sets `first_response_at`, clears `sla_due_at`. Resolves
   * with the updated request, or `null` when nothing changed (also for other conversations).
   */
  recordFirstResponse(conversationId: string, senderId: string): Promise<CitizenRequest | null>;
  /**
   * Marks up to `limit` open, unanswered requests whose SLA ran out by `now` as missed, each with
   * its `sla_missed` history entry and `request.sla_missed` event, in one transaction.
   */
  markSlaMissed(now: string, limit: number): Promise<CitizenRequest[]>;
}
