import { AlertService } from '../../desk/AlertService.js';
import type { HandlerMap } from './types.js';

/** Alerts a socket lists when it gives no limit. */
const DEFAULT_ALERT_LIST_LIMIT = 50;

/** Handlers of a recipient's alert requests: list the alerts of their channels, acknowledge one. */
export const alertHandlers: Pick<HandlerMap, 'alert:list' | 'alert:acknowledge'> = {
  async 'alert:list'(ctx, req) {
    return new AlertService(ctx.server).listFor(ctx.user.id, { channelId: req.channelId, limit: req.limit ?? DEFAULT_ALERT_LIST_LIMIT });
  },

  async 'alert:acknowledge'(ctx, req) {
    return new AlertService(ctx.server).acknowledge(req.alertId, { actorId: ctx.user.id, ip: ctx.ip });
  },
};
