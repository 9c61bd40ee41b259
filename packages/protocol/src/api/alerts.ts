import { z } from 'zod';
import { deskSlugSchema } from '../desk.js';
import { freeText, idSchema, str, userIdSchema } from '../fields.js';
import { memberSchema } from './entities.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

/*
 * Alert channels (broadcast channels per topic or area whose recipients are the members of a
 * `channel` conversation), alerts posted by other systems, and their acknowledgements.
 */

const iso = () => z.string().describe('ISO 8601 timestamp, UTC');
const instant = () => z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');
const noControl = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const line = (max: number) => str().trim().min(1).max(max).regex(noControl, 'control characters are not allowed');

/** Longest acknowledgement timeout: one week. */
export const MAX_ALERT_ACK_TIMEOUT_SEC = 604_800;

/** An alert channel (`AlertChannel`). */
export const alertChannelSchema = z
  .object({
    id: z.string().describe('Slug id chosen by the city, for example `flooding-north`'),
    name: z.string(),
    topic: z.string().nullable(),
    area: z.string().nullable(),
    conversationId: z.string().describe('The `channel` conversation whose members receive and acknowledge its alerts'),
    ackTimeoutSec: z.number().int().nullable().describe('Seconds after which an alert nobody acknowledged escalates; `null` never escalates'),
    escalationDepartmentId: z.string().nullable().describe('The department whose queue gets a request when an alert escalates'),
    createdAt: iso(),
  })
  .describe('A broadcast channel for alerts of a topic or area');

/** One acknowledgement (`AlertAcknowledgement`). */
export const alertAcknowledgementSchema = z.object({ userId: z.string(), at: iso() }).describe('One recipient acknowledged the alert');

/** An alert (`Alert`). */
export const alertSchema = z
  .object({
    id: z.string().describe('`al_…`'),
    channelId: z.string(),
    conversationId: z.string(),
    title: z.string(),
    body: z.string(),
    severity: z.enum(['info', 'warning', 'critical']),
    source: z.string().describe('The posting system, for example `flood-sensor-7`'),
    createdAt: iso(),
    ackDeadlineAt: iso().nullable().describe('When it escalates if nobody acknowledged it; `null` when it never does'),
    acknowledgements: z.array(alertAcknowledgementSchema).describe('Oldest first'),
    escalatedAt: iso().nullable(),
    escalationRequestId: z.string().nullable().describe('The request conversation its escalation opened'),
  })
  .describe('An alert posted to a channel, with its acknowledgements');

const channelParams = z.strictObject({ channelId: deskSlugSchema });
const ackTimeout = z.int().min(1).max(MAX_ALERT_ACK_TIMEOUT_SEC);
const recipientIds = z
  .array(userIdSchema)
  .min(1)
  .max(500)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'user ids must not repeat' });

/** REST operations: alert channels, alerts and acknowledgements. */
export const alertsRoutes = {
  createAlertChannel: defineRoute({
    operationId: 'createAlertChannel',
    method: 'POST',
    path: '/v1/alert-channels',
    tag: 'Alerts',
    summary: 'Create an alert channel',
    description:
      'Creates the channel and its `channel` conversation (title = `name`, topic = `topic`) with `memberIds` as recipients ' +
      '(role `member`: they read and acknowledge, they do not post). With `ackTimeoutSec`, an alert nobody acknowledged in time ' +
      'escalates: a request is opened in `escalationDepartmentId`\'s queue (when set) and `alert.escalated` is emitted.\n\n' +
      'Errors: `INVALID_REQUEST`, `CONFLICT` (the id is taken), `DEPARTMENT_NOT_FOUND`.',
    body: z.strictObject({
      id: deskSlugSchema,
      name: line(200),
      topic: line(200).optional(),
      area: line(200).optional(),
      ackTimeoutSec: ackTimeout.optional(),
      escalationDepartmentId: deskSlugSchema.optional(),
      memberIds: recipientIds.optional(),
    }),
    status: 201,
    response: alertChannelSchema,
  }),
  listAlertChannels: defineRoute({
    operationId: 'listAlertChannels',
    method: 'GET',
    path: '/v1/alert-channels',
    tag: 'Alerts',
    summary: 'List alert channels',
    description: 'By id. Errors: `INVALID_REQUEST` (bad limit or cursor).',
    query: z.strictObject({ limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(alertChannelSchema),
  }),
  getAlertChannel: defineRoute({
    operationId: 'getAlertChannel',
    method: 'GET',
    path: '/v1/alert-channels/{channelId}',
    tag: 'Alerts',
    summary: 'Get an alert channel',
    description: 'Its recipients are the members of its conversation (`listMembers`). Errors: `CHANNEL_NOT_FOUND`.',
    params: channelParams,
    status: 200,
    response: alertChannelSchema,
  }),
  updateAlertChannel: defineRoute({
    operationId: 'updateAlertChannel',
    method: 'PATCH',
    path: '/v1/alert-channels/{channelId}',
    tag: 'Alerts',
    summary: 'Change an alert channel',
    description:
      'Changes the given fields (`null` clears). A new name or topic also renames its conversation. A new timeout applies to alerts ' +
      'posted afterwards; a new escalation department to every escalation from now on.\n\n' +
      'Errors: `INVALID_REQUEST` (also: no field), `CHANNEL_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`.',
    params: channelParams,
    body: z
      .strictObject({
        name: line(200).optional(),
        topic: line(200).nullable().optional(),
        area: line(200).nullable().optional(),
        ackTimeoutSec: ackTimeout.nullable().optional(),
        escalationDepartmentId: deskSlugSchema.nullable().optional(),
      })
      .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one field to change' }),
    status: 200,
    response: alertChannelSchema,
  }),
  addAlertRecipients: defineRoute({
    operationId: 'addAlertRecipients',
    method: 'POST',
    path: '/v1/alert-channels/{channelId}/recipients',
    tag: 'Alerts',
    summary: 'Add recipients to an alert channel',
    description:
      'Makes the users members of the channel\'s conversation (role `member`); their connected devices get `conversation:added` at ' +
      'once. Answers those newly added (recipients already in are left as they are).\n\n' +
      'Errors: `INVALID_REQUEST`, `CHANNEL_NOT_FOUND`.',
    params: channelParams,
    body: z.strictObject({ userIds: recipientIds }),
    status: 200,
    response: z.object({ added: z.array(memberSchema) }),
  }),
  removeAlertRecipient: defineRoute({
    operationId: 'removeAlertRecipient',
    method: 'DELETE',
    path: '/v1/alert-channels/{channelId}/recipients/{userId}',
    tag: 'Alerts',
    summary: 'Remove a recipient from an alert channel',
    description:
      'Removes the user from the channel\'s conversation (their devices get `conversation:removed`). Their earlier acknowledgements stay.\n\n' +
      'Errors: `CHANNEL_NOT_FOUND`, `NOT_A_MEMBER` (not a recipient).',
    params: z.strictObject({ channelId: deskSlugSchema, userId: userIdSchema }),
    status: 204,
    response: null,
  }),
  postAlert: defineRoute({
    operationId: 'postAlert',
    method: 'POST',
    path: '/v1/alert-channels/{channelId}/alerts',
    tag: 'Alerts',
    summary: 'Post an alert',
    description:
      'For other systems (sensors, the emergency service): stores the alert, posts it as a `system` message into the channel\'s ' +
      'conversation, sends `alert:new` to its connected recipients and emits `alert.created`. With `clientId` the post is ' +
      'idempotent per (`source`, `clientId`): a retry answers the first alert and changes nothing.\n\n' +
      'Errors: `INVALID_REQUEST`, `CHANNEL_NOT_FOUND`, `CONFLICT` (a `clientId` of this source reused for a different alert).',
    params: channelParams,
    body: z.strictObject({
      title: line(200),
      body: freeText().trim().max(4000),
      severity: z.enum(['info', 'warning', 'critical']),
      source: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected a source name of 1-64 letters, digits, ".", "_", ":" or "-"'),
      clientId: idSchema.optional().describe('Idempotency key, unique per source'),
    }),
    status: 201,
    response: alertSchema,
  }),
  listAlerts: defineRoute({
    operationId: 'listAlerts',
    method: 'GET',
    path: '/v1/alerts',
    tag: 'Alerts',
    summary: 'List (export) alerts',
    description:
      'Alerts newest first with their acknowledgements and escalation — the export of alerts. `since` is inclusive, `until` ' +
      'exclusive (of `createdAt`).\n\nErrors: `INVALID_REQUEST` (also for a cursor not from this list), `CHANNEL_NOT_FOUND`.',
    query: z.strictObject({
      channelId: deskSlugSchema.optional(),
      since: instant().optional(),
      until: instant().optional(),
      limit: pageLimitSchema,
      cursor: cursorSchema.optional(),
    }),
    status: 200,
    response: pageOf(alertSchema),
  }),
  getAlert: defineRoute({
    operationId: 'getAlert',
    method: 'GET',
    path: '/v1/alerts/{alertId}',
    tag: 'Alerts',
    summary: 'Get an alert',
    description: 'With its acknowledgements and escalation. Errors: `ALERT_NOT_FOUND`.',
    params: z.strictObject({ alertId: idSchema }),
    status: 200,
    response: alertSchema,
  }),
} satisfies Record<string, ApiRoute>;
