import { ErrorCode } from '@plaza/protocol';
import type { webhooksRoutes } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { parseEventId } from '../../storage/webhookQueries.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

/** How long the secret a rotation replaces keeps signing. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3_600_000;

/** The outbox id of an `evt_…` id (the route's schema has checked its form). */
function outboxId(eventId: string): number {
  const id = parseEventId(eventId);
  if (id === null) throw new PlazaError(ErrorCode.INVALID_REQUEST, `invalid event id ${eventId}`);
  return id;
}

/** A numeric page key from a `cursor` we handed out. */
function numericCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid cursor (pass the nextCursor of a previous page)');
  return Number(cursor);
}

async function requireWebhook(ctx: ApiContext, webhookId: string): Promise<void> {
  if (!(await ctx.server.store.webhooks.get(webhookId))) throw new PlazaError(ErrorCode.WEBHOOK_NOT_FOUND, `no webhook endpoint ${webhookId}`);
}

/** Handlers of the REST operations in `webhooksRoutes`. */
export const webhooksHandlers: ApiHandlerGroup<keyof typeof webhooksRoutes> = {
  async createWebhook({ body }, ctx) {
    const webhook = await ctx.server.store.webhooks.create({
      url: body.url,
      events: body.events,
      description: body.description ?? null,
      enabled: body.enabled ?? true,
    });
    ctx.logger.info({ webhookId: webhook.id, events: webhook.events }, 'webhook endpoint created');
    return webhook;
  },

  async listWebhooks({ query }, ctx) {
    const page = await ctx.server.store.webhooks.list({ limit: query.limit, ...(query.cursor !== undefined ? { after: query.cursor } : {}) });
    return { data: page.items, nextCursor: page.next };
  },

  async getWebhook({ params }, ctx) {
    const webhook = await ctx.server.store.webhooks.get(params.webhookId);
    if (!webhook) throw new PlazaError(ErrorCode.WEBHOOK_NOT_FOUND, `no webhook endpoint ${params.webhookId}`);
    return webhook;
  },

  async updateWebhook({ params, body }, ctx) {
    const webhook = await ctx.server.store.webhooks.update(params.webhookId, body);
    // Re-enabled: its waiting deliveries are due.
    if (body.enabled) ctx.services.webhooks.wake();
    return webhook;
  },

  async deleteWebhook({ params }, ctx) {
    if (!(await ctx.server.store.webhooks.delete(params.webhookId))) {
      throw new PlazaError(ErrorCode.WEBHOOK_NOT_FOUND, `no webhook endpoint ${params.webhookId}`);
    }
    ctx.logger.info({ webhookId: params.webhookId }, 'webhook endpoint deleted');
    return undefined;
  },

  async rotateWebhookSecret({ params }, ctx) {
    const webhook = await ctx.server.store.webhooks.rotateSecret(params.webhookId, WEBHOOK_SECRET_OVERLAP_MS);
    ctx.logger.info({ webhookId: webhook.id, previousSecretExpiresAt: webhook.previousSecretExpiresAt }, 'webhook secret rotated');
    return webhook;
  },

  async listWebhookDeliveries({ params, query }, ctx) {
    await requireWebhook(ctx, params.webhookId);
    const before = numericCursor(query.cursor);
    const page = await ctx.server.store.webhooks.listDeliveries({
      webhookId: params.webhookId,
      limit: query.limit,
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    return { data: page.items, nextCursor: page.next === null ? null : String(page.next) };
  },

  async listDeadLetters({ query }, ctx) {
    const before = numericCursor(query.cursor);
    const page = await ctx.server.store.webhooks.listDeliveries({
      status: 'dead',
      limit: query.limit,
      ...(query.webhookId !== undefined ? { webhookId: query.webhookId } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    return { data: page.items, nextCursor: page.next === null ? null : String(page.next) };
  },

  async redeliverEvent({ params, body }, ctx) {
    const deliveries = await ctx.server.store.webhooks.redeliver(outboxId(params.eventId), body.webhookId);
    ctx.services.webhooks.wake();
    return { data: deliveries };
  },

  async listEvents({ query }, ctx) {
    // `cursor` (a page we handed out) wins over `after` (an event id the caller knows).
    const after = query.cursor !== undefined ? numericCursor(query.cursor) : query.after !== undefined ? outboxId(query.after) : undefined;
    const page = await ctx.server.store.webhooks.listEvents({
      limit: query.limit,
      ...(after !== undefined ? { after } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
    });
    return { data: page.items, nextCursor: page.next === null ? null : String(page.next) };
  },

  async getEvent({ params }, ctx) {
    const event = await ctx.server.store.webhooks.getEvent(outboxId(params.eventId));
    if (!event) throw new PlazaError(ErrorCode.EVENT_NOT_FOUND, `no event ${params.eventId}`);
    return event;
  },
};
