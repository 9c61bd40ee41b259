import { z } from 'zod';
import { idSchema, str } from '../fields.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

/**
 * Every event type the server writes to its outbox and delivers to webhooks. `user.erased`
 * carries no personal data.
 */
export const webhookEventTypes = [
  'conversation.created',
  'conversation.updated',
  'member.added',
  'member.removed',
  'member.role_changed',
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.changed',
  'file.uploaded',
  'file.deleted',
  'call.started',
  'call.ended',
  'participant.joined',
  'participant.left',
  'user.sessions_revoked',
  'user.erased',
  'request.opened',
  'request.claimed',
  'request.transferred',
  'request.on_hold',
  'request.resumed',
  'request.resolved',
  'request.reopened',
  'request.sla_missed',
  'alert.created',
  'alert.acknowledged',
  'alert.escalated',
] as const;

/** One of {@link webhookEventTypes}. */
export type WebhookEventType = (typeof webhookEventTypes)[number];

const knownPrefixes = new Set(webhookEventTypes.map((t) => t.slice(0, t.indexOf('.'))));

/**
 * Whether an event filter is valid: `*`, an exact event type (`message.created`) or a known
 * prefix with `.*` (`message.*`).
 */
export function isWebhookEventFilter(filter: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return knownPrefixes.has(filter.slice(0, -2));
  return (webhookEventTypes as readonly string[]).includes(filter);
}

/**
 * Whether an event of `type` matches any of `filters` (see {@link isWebhookEventFilter}).
 *
 * @param filters - the endpoint's filters
 * @param type - an event type
 */
export function webhookFilterMatches(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

/** One event filter: `*`, an exact event type, or `<prefix>.*`. */
export const webhookEventFilterSchema = z
  .string()
  .max(64)
  .refine(isWebhookEventFilter, { message: `expected "*", "<prefix>.*" or one of the event types: ${webhookEventTypes.join(', ')}` });

/** Where events are POSTed: an absolute `http:` or `https:` URL. */
export const webhookUrlSchema = z.url({ protocol: /^https?$/, message: 'expected an absolute http: or https: URL' }).max(2048);

/** An event id on the wire: `evt_` and the outbox row number. */
export const eventIdSchema = z.string().regex(/^evt_[1-9][0-9]{0,15}$/, 'expected an event id such as evt_42');

const eventsSchema = z
  .array(webhookEventFilterSchema)
  .min(1)
  .max(50)
  .refine((events) => new Set(events).size === events.length, { message: 'event filters must not repeat' });

const timestamp = z.string().describe('ISO 8601, UTC');

/** A webhook endpoint as the API shows it (without its secret). */
export const webhookSchema = z.object({
  /** `wh_…`. */
  id: z.string(),
  url: z.string(),
  /** Event filters: exact types, `<prefix>.*` or `*`. */
  events: z.array(z.string()),
  description: z.string().nullable(),
  /**
   * A disabled endpoint is sent nothing: its deliveries (including those of events written while it
   * is disabled) wait, pending, until it is enabled again. Filters apply when an event is fanned out
   * (within about 200 ms of the change).
   */
  enabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
  /** Until when the secret replaced by the last rotation is still used to sign (`null`: none). */
  previousSecretExpiresAt: timestamp.nullable(),
});

/** A webhook endpoint with its signing secret (only in the answers of create and rotate). */
export const webhookWithSecretSchema = webhookSchema.extend({
  /** `whsec_` and base64 of 32 random bytes; the HMAC key is the base64-decoded part. Shown only once. */
  secret: z.string(),
});

/** Status of one event's delivery to one endpoint. */
export const webhookDeliveryStatusSchema = z.enum(['pending', 'delivered', 'dead']);

/** One event owed to one endpoint. */
export const webhookDeliverySchema = z.object({
  webhookId: z.string(),
  /** `evt_…`. */
  eventId: z.string(),
  eventType: z.string(),
  status: webhookDeliveryStatusSchema,
  /** Attempts made so far (reset to 0 by a redelivery). */
  attempts: z.int(),
  /** When the next attempt is due (`null` unless pending). */
  nextAttemptAt: timestamp.nullable(),
  /** HTTP status of the last attempt (`null`: none yet, or no answer). */
  lastStatus: z.int().nullable(),
  /** Why the last attempt failed (`null` when it did not). */
  lastError: z.string().nullable(),
  createdAt: timestamp,
  deliveredAt: timestamp.nullable(),
});

/** An outbox event, exactly as its webhook body carries it. */
export const webhookEventSchema = z.object({
  /** `evt_…`: the idempotency key (a redelivery has the same id). */
  id: z.string(),
  type: z.string(),
  createdAt: timestamp,
  data: z.record(z.string(), z.unknown()),
});

const webhookIdParams = z.strictObject({ webhookId: idSchema });
const eventIdParams = z.strictObject({ eventId: eventIdSchema });

/** REST operations: Webhook endpoints, deliveries and events. */
export const webhooksRoutes = {
  createWebhook: defineRoute({
    operationId: 'createWebhook',
    method: 'POST',
    path: '/v1/webhooks',
    tag: 'Webhooks',
    summary: 'Create a webhook endpoint',
    description:
      'Events whose type matches one of `events` (exact types, `<prefix>.*` or `*`) are POSTed to `url`, signed with the returned `secret` — the only time it is shown. Only events written after the endpoint was created are delivered. Errors: `INVALID_REQUEST` (bad URL, unknown event type, unknown keys).',
    body: z.strictObject({
      url: webhookUrlSchema,
      events: eventsSchema,
      description: str().max(500).optional(),
      enabled: z.boolean().optional().describe('default true'),
    }),
    status: 201,
    response: webhookWithSecretSchema,
  }),
  listWebhooks: defineRoute({
    operationId: 'listWebhooks',
    method: 'GET',
    path: '/v1/webhooks',
    tag: 'Webhooks',
    summary: 'List webhook endpoints',
    description: 'Oldest first. Errors: `INVALID_REQUEST` (bad limit or cursor).',
    query: z.strictObject({ limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(webhookSchema),
  }),
  getWebhook: defineRoute({
    operationId: 'getWebhook',
    method: 'GET',
    path: '/v1/webhooks/{webhookId}',
    tag: 'Webhooks',
    summary: 'Get a webhook endpoint',
    description: 'Errors: `WEBHOOK_NOT_FOUND`.',
    params: webhookIdParams,
    status: 200,
    response: webhookSchema,
  }),
  updateWebhook: defineRoute({
    operationId: 'updateWebhook',
    method: 'PATCH',
    path: '/v1/webhooks/{webhookId}',
    tag: 'Webhooks',
    summary: 'Change a webhook endpoint',
    description:
      'Changes the given fields (`description: null` clears it). New filters apply to events not yet fanned out. Errors: `WEBHOOK_NOT_FOUND`, `INVALID_REQUEST` (bad URL, unknown event type, unknown keys, no field).',
    params: webhookIdParams,
    body: z
      .strictObject({
        url: webhookUrlSchema.optional(),
        events: eventsSchema.optional(),
        description: str().max(500).nullable().optional(),
        enabled: z.boolean().optional(),
      })
      .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of url, events, description, enabled' }),
    status: 200,
    response: webhookSchema,
  }),
  deleteWebhook: defineRoute({
    operationId: 'deleteWebhook',
    method: 'DELETE',
    path: '/v1/webhooks/{webhookId}',
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint',
    description: 'Its deliveries (pending and dead ones included) are dropped. Errors: `WEBHOOK_NOT_FOUND` (also when it is already gone).',
    params: webhookIdParams,
    status: 204,
    response: null,
  }),
  rotateWebhookSecret: defineRoute({
    operationId: 'rotateWebhookSecret',
    method: 'POST',
    path: '/v1/webhooks/{webhookId}/rotate-secret',
    tag: 'Webhooks',
    summary: 'Rotate the signing secret',
    description:
      'Returns a new secret. For 24 hours deliveries carry two signatures (new and old secret) in `webhook-signature`, so receivers can switch over; rotating again within that window retires the older secret at once. Takes no body. Errors: `WEBHOOK_NOT_FOUND`.',
    params: webhookIdParams,
    status: 200,
    response: webhookWithSecretSchema,
  }),
  listWebhookDeliveries: defineRoute({
    operationId: 'listWebhookDeliveries',
    method: 'GET',
    path: '/v1/webhooks/{webhookId}/deliveries',
    tag: 'Webhooks',
    summary: "List an endpoint's deliveries",
    description: 'Newest first, optionally of one status. Errors: `WEBHOOK_NOT_FOUND`, `INVALID_REQUEST`.',
    params: webhookIdParams,
    query: z.strictObject({ status: webhookDeliveryStatusSchema.optional(), limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(webhookDeliverySchema),
  }),
  listDeadLetters: defineRoute({
    operationId: 'listDeadLetters',
    method: 'GET',
    path: '/v1/webhooks/dead-letters',
    tag: 'Webhooks',
    summary: 'List dead letters',
    description:
      'Deliveries of every endpoint (or of `webhookId`) that failed all their attempts, newest first. Redeliver one with `redeliverEvent`. Their events are kept (outbox retention skips them) until redelivered or their endpoint is deleted. Errors: `INVALID_REQUEST`.',
    query: z.strictObject({ webhookId: idSchema.optional(), limit: pageLimitSchema, cursor: cursorSchema.optional() }),
    status: 200,
    response: pageOf(webhookDeliverySchema),
  }),
  redeliverEvent: defineRoute({
    operationId: 'redeliverEvent',
    method: 'POST',
    path: '/v1/events/{eventId}/redeliver',
    tag: 'Events',
    summary: 'Deliver an event again',
    description:
      'Makes the event\'s dead or delivered deliveries pending again, due now, with their attempts reset (pending ones stay as they are). With `webhookId`, only to that endpoint — and also when it never had a delivery of this event. Answers the affected deliveries. Errors: `EVENT_NOT_FOUND`, `WEBHOOK_NOT_FOUND`.',
    params: eventIdParams,
    body: z.strictObject({ webhookId: idSchema.optional() }),
    status: 202,
    response: z.object({ data: z.array(webhookDeliverySchema) }),
  }),
  listEvents: defineRoute({
    operationId: 'listEvents',
    method: 'GET',
    path: '/v1/events',
    tag: 'Events',
    summary: 'Browse the outbox',
    description:
      'Events oldest first, optionally of a `type` (exact, `<prefix>.*` or `*`), starting after the event id `after` (or at `cursor`). Events older than the outbox retention are gone. Errors: `INVALID_REQUEST`.',
    query: z.strictObject({
      type: webhookEventFilterSchema.optional(),
      after: eventIdSchema.optional(),
      limit: pageLimitSchema,
      cursor: cursorSchema.optional(),
    }),
    status: 200,
    response: pageOf(webhookEventSchema),
  }),
  getEvent: defineRoute({
    operationId: 'getEvent',
    method: 'GET',
    path: '/v1/events/{eventId}',
    tag: 'Events',
    summary: 'Get an event and its deliveries',
    description: 'Errors: `EVENT_NOT_FOUND`.',
    params: eventIdParams,
    status: 200,
    response: webhookEventSchema.extend({ deliveries: z.array(webhookDeliverySchema) }),
  }),
} satisfies Record<string, ApiRoute>;
