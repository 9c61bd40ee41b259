import type { alertsRoutes } from '@plaza/protocol';
import { AlertService } from '../../desk/AlertService.js';
import type { AlertChannelPatch } from '../../storage/AlertRecords.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

function alertsOf(ctx: ApiContext): AlertService {
  return new AlertService(ctx.server);
}

function actorOf(ctx: ApiContext): { actorId: string; ip: string | null } {
  return { actorId: ctx.actorId, ip: ctx.ip };
}

/** A query instant as stored timestamps are written (UTC, milliseconds), so string comparison orders them. */
function utc(instant: string | undefined): string | undefined {
  return instant === undefined ? undefined : new Date(instant).toISOString();
}

/** Handlers of the REST operations in `alertsRoutes`: channels, recipients, alerts and their export, by the API key. */
export const alertsHandlers: ApiHandlerGroup<keyof typeof alertsRoutes> = {
  async createAlertChannel({ body }, ctx) {
    return alertsOf(ctx).createChannel(body, actorOf(ctx));
  },

  async listAlertChannels({ query }, ctx) {
    const { items, next } = await ctx.server.store.alerts.listChannels({
      limit: query.limit,
      ...(query.cursor !== undefined ? { after: query.cursor } : {}),
    });
    return { data: items, nextCursor: next };
  },

  async getAlertChannel({ params }, ctx) {
    return alertsOf(ctx).requireChannel(params.channelId);
  },

  async updateAlertChannel({ params, body }, ctx) {
    const patch: AlertChannelPatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.topic !== undefined) patch.topic = body.topic;
    if (body.area !== undefined) patch.area = body.area;
    if (body.ackTimeoutSec !== undefined) patch.ackTimeoutSec = body.ackTimeoutSec;
    if (body.escalationDepartmentId !== undefined) patch.escalationDepartmentId = body.escalationDepartmentId;
    return alertsOf(ctx).updateChannel(params.channelId, patch);
  },

  async addAlertRecipients({ params, body }, ctx) {
    return { added: await alertsOf(ctx).addRecipients(params.channelId, body.userIds, actorOf(ctx)) };
  },

  async removeAlertRecipient({ params }, ctx) {
    await alertsOf(ctx).removeRecipient(params.channelId, params.userId, actorOf(ctx));
    return undefined;
  },

  async postAlert({ params, body }, ctx) {
    return alertsOf(ctx).post(params.channelId, body);
  },

  async listAlerts({ query }, ctx) {
    const since = utc(query.since);
    const until = utc(query.until);
    const { items, nextCursor } = await alertsOf(ctx).list({
      limit: query.limit,
      ...(query.channelId !== undefined ? { channelId: query.channelId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { data: items, nextCursor };
  },

  async getAlert({ params }, ctx) {
    return alertsOf(ctx).get(params.alertId);
  },
};
