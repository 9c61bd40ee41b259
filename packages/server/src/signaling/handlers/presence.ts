import type { Presence } from '@plaza/protocol';
import type { HandlerMap } from './types.js';

/**
 * Handlers of presence.
 *
 * `presence:set` answers the caller's new presence at once; others hear of it through the
 * announcer's next coalescing window.
 *
 * `presence:get` answers one entry per id asked, in order. Only the caller and users who share
 * at least one conversation with the caller are reported as they are; everyone else is reported
 * as `offline` with no status text, no last-seen time and no devices, so presence does not leak
 * to strangers (and does not reveal whether a user exists).
 */
export const presenceHandlers: Pick<HandlerMap, 'presence:set' | 'presence:get'> = {
  async 'presence:set'(ctx, req) {
    const presence = await ctx.server.presence.set(ctx.user.id, req.status, req.statusText);
    ctx.server.announcer.statusChosen(ctx.user.id);
    return presence;
  },

  async 'presence:get'(ctx, req) {
    const visible = new Set(await ctx.server.store.contactsOf(ctx.user.id));
    visible.add(ctx.user.id);
    const ids = req.userIds;
    const known = await ctx.server.presence.get(ids.filter((id) => visible.has(id)));
    const byId = new Map(known.map((p) => [p.userId, p]));
    return ids.map(
      (userId): Presence => byId.get(userId) ?? { userId, status: 'offline', statusText: null, lastSeenAt: null, devices: 0 },
    );
  },
};
