import { conversationRoom } from '../context.js';
import { requireMember } from './guards.js';
import type { HandlerMap } from './types.js';

/** Handler of moving the caller's read position; the room hears `read:updated` when it moved. */
export const readHandlers: Pick<HandlerMap, 'read:mark'> = {
  async 'read:mark'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    const state = await ctx.server.store.markRead(req.conversationId, ctx.user.id, req.seq);
    if (state.lastReadSeq > access.membership.lastReadSeq) {
      ctx.server.io
        .to(conversationRoom(req.conversationId))
        .emit('read:updated', { conversationId: req.conversationId, userId: ctx.user.id, lastReadSeq: state.lastReadSeq });
    }
    return state;
  },
};
