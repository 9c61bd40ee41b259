import { conversationRoom, userRoom } from '../context.js';
import { requireMember } from './guards.js';
import type { HandlerMap } from './types.js';

/** Handler of typing indicators: relayed to the room except the sender's own devices, never stored. */
export const typingHandlers: Pick<HandlerMap, 'typing:set'> = {
  async 'typing:set'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    ctx.server.io
      .to(conversationRoom(req.conversationId))
      .except(userRoom(ctx.user.id))
      .emit('typing', { conversationId: req.conversationId, userId: ctx.user.id, typing: req.typing });
    return {};
  },
};
