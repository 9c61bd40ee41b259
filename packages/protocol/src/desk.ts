import { z } from 'zod';
import { freeText, idSchema, str, userIdSchema } from './fields.js';

/*
 * The citizen desk: departments with agents and opening hours, topics routed to departments,
 * citizen requests (conversations of kind `request`) in department queues, and alerts with
 * acknowledgement. Socket requests and events here; REST operations in `api/desk.ts`.
 */

/** Where a request is in its life. */
export const RequestStatus = {
  /** In its department's queue, waiting for an agent. */
  queued: 'queued',
  /** An agent claimed it and works on it. */
  claimed: 'claimed',
  /** Waiting on something outside the conversation (a repair crew, a document); still assigned. */
  onHold: 'on_hold',
  /** Done; the citizen was told. Reopening puts it back in the queue. */
  resolved: 'resolved',
} as const;
/** One of the {@link RequestStatus} values. */
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

/** What happened to a request, as carried by `request:updated`, the outbox and webhooks (`request.<change>`). */
export type RequestChangeKind = 'opened' | 'claimed' | 'transferred' | 'on_hold' | 'resumed' | 'resolved' | 'reopened' | 'sla_missed';

/** Days of the week, as keys of {@link OpeningHours.weekly}. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * When a department answers: per weekday a list of `[open, close]` local times (`HH:MM`, 24 h,
 * close after open) in an IANA time zone; `closedDates` are whole local days off (`YYYY-MM-DD`).
 */
export interface OpeningHours {
  /** IANA time zone, for example `Europe/Berlin`. */
  timezone: string;
  /** Opening intervals per weekday; a missing day is closed. */
  weekly: Partial<Record<Weekday, [string, string][]>>;
  /** Local dates the department is closed (holidays). */
  closedDates?: string[];
}

/** A department of the city that answers requests. */
export interface Department {
  /** Slug id chosen by the city, for example `public-lighting`. */
  id: string;
  /** Display name, for example `Public Lighting`. */
  name: string;
  description: string | null;
  /** When agents answer; `null` means always. */
  openingHours: OpeningHours | null;
  /** Time to first agent reply before `request.sla_missed` is raised; `null` for no SLA. */
  firstResponseSlaSec: number | null;
  /** User ids of its agents. */
  agentIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** What a citizen can report, routed to one department. */
export interface Topic {
  /** Slug id, for example `street-light`. */
  id: string;
  /** Display name, for example `Broken street light`. */
  name: string;
  description: string | null;
  /** The department that receives requests of this topic. */
  departmentId: string;
}

/** Where a reported problem is. */
export interface RequestLocation {
  /** Latitude, WGS 84. */
  lat: number;
  /** Longitude, WGS 84. */
  lng: number;
  /** A human-readable address or description of the place. */
  address?: string;
}

/** A citizen's request: the desk's view of a conversation of kind `request`. */
export interface CitizenRequest {
  /** The conversation's id: one request, one conversation. */
  conversationId: string;
  topicId: string;
  /** The department whose queue holds it now (changes on transfer). */
  departmentId: string;
  /** The citizen who opened it. */
  citizenId: string;
  status: RequestStatus;
  /** The agent working on it, or `null` while queued. */
  assigneeId: string | null;
  /** What the citizen wrote when opening it. */
  description: string;
  location: RequestLocation | null;
  /** The conversation's external reference (for example a CRM case id), carried on every change. */
  externalRef: string | null;
  /** The latest transfer note (for agents; the citizen is told only that it moved). */
  transferNote: string | null;
  /** What the agent wrote when resolving it. */
  resolution: string | null;
  createdAt: string;
  updatedAt: string;
  /** When an agent first wrote in the conversation. */
  firstResponseAt: string | null;
  /** When the first-response SLA runs out (`null` without an SLA or once answered). */
  slaDueAt: string | null;
  /** Whether the first-response SLA was missed. */
  slaMissed: boolean;
  resolvedAt: string | null;
}

/** A request as an agent sees it in a queue. */
export interface QueueItem extends CitizenRequest {
  /** The citizen's display name. */
  citizenName: string;
  /** Milliseconds since it entered this queue (opened, transferred or reopened), at the time of the answer. */
  waitingMs: number;
}

/** A change of a request, as `request:updated` delivers it. */
export interface RequestChange {
  change: RequestChangeKind;
  request: CitizenRequest;
  /** Who made it (`null` for the server, such as an SLA miss). */
  actorId: string | null;
  /** For a transfer: the department it came from. */
  fromDepartmentId?: string;
  at: string;
}

/** How urgent an alert is. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** A broadcast channel for alerts of a topic or area; its recipients are the members of its conversation. */
export interface AlertChannel {
  /** Slug id, for example `flooding-north`. */
  id: string;
  name: string;
  topic: string | null;
  area: string | null;
  /** The `channel` conversation whose members receive and acknowledge its alerts. */
  conversationId: string;
  /** Seconds after which an alert nobody acknowledged escalates; `null` never escalates. */
  ackTimeoutSec: number | null;
  /** The department an unacknowledged alert escalates to (as a request in its queue). */
  escalationDepartmentId: string | null;
  createdAt: string;
}

/** One acknowledgement of an alert. */
export interface AlertAcknowledgement {
  userId: string;
  at: string;
}

/** An alert posted to a channel. */
export interface Alert {
  /** `al_…`. */
  id: string;
  channelId: string;
  conversationId: string;
  title: string;
  body: string;
  severity: AlertSeverity;
  /** Who posted it: the posting system's name (for example `flood-sensor-7`). */
  source: string;
  createdAt: string;
  /** When it escalates if nobody acknowledged it; `null` when it never does. */
  ackDeadlineAt: string | null;
  acknowledgements: AlertAcknowledgement[];
  /** When it escalated, or `null`. */
  escalatedAt: string | null;
  /** The request conversation its escalation opened, or `null`. */
  escalationRequestId: string | null;
}

const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a slug of lowercase letters, digits and "-" (1-63)');
const noControl = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

/** A department, topic or channel id. */
export const deskSlugSchema = slugSchema;

/** A request's location. */
export const requestLocationSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  address: str().trim().min(1).max(300).regex(noControl, 'control characters are not allowed').optional(),
});

/**
 * What a citizen writes when opening a request. It becomes the citizen's first message, so it follows
 * the rules of message text: no C0 control characters other than tab, line feed and carriage return,
 * no DEL; bidi marks allowed.
 */
export const requestDescriptionSchema = freeText().trim().min(1).max(4000);

/** An agent's note on a transfer or hold, a resolution or a reopen reason: text like message text (see {@link requestDescriptionSchema}). */
export const deskNoteSchema = freeText().trim().min(1).max(2000);

/** The zod schema of every desk request, by event name. Merged into `requestSchemas`. */
export const deskRequestSchemas = {
  /** Topics a citizen can report (everyone). */
  'desk:topics': z.strictObject({}),
  /** The departments the caller is an agent of. */
  'desk:myDepartments': z.strictObject({}),
  /** Citizen: open a request of a topic; answers the request (the conversation arrives by `conversation:added`). */
  'request:open': z.strictObject({
    topicId: slugSchema,
    description: requestDescriptionSchema,
    location: requestLocationSchema.optional(),
    /** Idempotency key: the same key again answers the first request. */
    clientId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  }),
  /** A request the caller may see (its citizen, its assignee, an agent of its department). */
  'request:get': z.strictObject({ conversationId: idSchema }),
  /** Citizen: the caller's own requests, newest first. */
  'request:mine': z.strictObject({ status: z.enum(['queued', 'claimed', 'on_hold', 'resolved']).optional() }),
  /** Agent: the queue of one of the caller's departments, oldest first. */
  'queue:list': z.strictObject({
    departmentId: slugSchema,
    /** Which requests: `waiting` (queued, the default), `mine` (claimed or on hold by the caller), `all` open ones. */
    view: z.enum(['waiting', 'mine', 'all']).optional(),
  }),
  /** Agent: take a queued request (first claim wins; `CONFLICT` after). */
  'request:claim': z.strictObject({ conversationId: idSchema }),
  /** Agent (assignee, or any agent of its department while queued): move it to another department's queue. */
  'request:transfer': z.strictObject({ conversationId: idSchema, departmentId: slugSchema, note: deskNoteSchema }),
  /** Assignee: put on hold (`note` is posted for the citizen). */
  'request:hold': z.strictObject({ conversationId: idSchema, note: deskNoteSchema.optional() }),
  /** Assignee: take back from hold. */
  'request:resume': z.strictObject({ conversationId: idSchema }),
  /** Assignee: resolve (`resolution` is posted for the citizen). */
  'request:resolve': z.strictObject({ conversationId: idSchema, resolution: deskNoteSchema.optional() }),
  /** Citizen or an agent of its department: reopen a resolved request (back to the queue). */
  'request:reopen': z.strictObject({ conversationId: idSchema, reason: deskNoteSchema.optional() }),
  /** Alerts of the channels the caller belongs to, newest first. */
  'alert:list': z.strictObject({ channelId: slugSchema.optional(), limit: z.int().min(1).max(200).optional() }),
  /** Acknowledge an alert of a channel the caller belongs to (again: no change). */
  'alert:acknowledge': z.strictObject({ alertId: idSchema }),
} as const;

/** Payloads of desk requests. */
export type DeskRequestPayloads = { [K in keyof typeof deskRequestSchemas]: z.infer<(typeof deskRequestSchemas)[K]> };

/** Desk requests: payload and the data of a successful answer. Merged into `RequestMap`. */
export interface DeskRequestMap {
  'desk:topics': { req: DeskRequestPayloads['desk:topics']; res: Topic[] };
  'desk:myDepartments': { req: DeskRequestPayloads['desk:myDepartments']; res: Department[] };
  'request:open': { req: DeskRequestPayloads['request:open']; res: CitizenRequest };
  'request:get': { req: DeskRequestPayloads['request:get']; res: CitizenRequest };
  'request:mine': { req: DeskRequestPayloads['request:mine']; res: CitizenRequest[] };
  'queue:list': { req: DeskRequestPayloads['queue:list']; res: QueueItem[] };
  'request:claim': { req: DeskRequestPayloads['request:claim']; res: CitizenRequest };
  'request:transfer': { req: DeskRequestPayloads['request:transfer']; res: CitizenRequest };
  'request:hold': { req: DeskRequestPayloads['request:hold']; res: CitizenRequest };
  'request:resume': { req: DeskRequestPayloads['request:resume']; res: CitizenRequest };
  'request:resolve': { req: DeskRequestPayloads['request:resolve']; res: CitizenRequest };
  'request:reopen': { req: DeskRequestPayloads['request:reopen']; res: CitizenRequest };
  'alert:list': { req: DeskRequestPayloads['alert:list']; res: Alert[] };
  'alert:acknowledge': { req: DeskRequestPayloads['alert:acknowledge']; res: Alert };
}

/** Server→client events of the desk. Merged into `ServerToClientEvents`. */
export interface DeskServerEvents {
  /**
   * A request changed: to its citizen (every device), its assignee, and the agents of its
   * department (for a transfer: of both departments).
   */
  'request:updated': (event: RequestChange) => void;
  /** A new alert in a channel the user belongs to. */
  'alert:new': (alert: Alert) => void;
  /** An alert was acknowledged or escalated (to the channel's members). */
  'alert:updated': (alert: Alert) => void;
}
