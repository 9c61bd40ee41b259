import { ErrorCode } from '@plaza/protocol';
import type { ConversationWithState } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import { conversationRoom } from '../context.js';
import { announceAdded } from '../fanout.js';
import { requireConversation, requireMember, requireNotRequest, requireRole } from './guards.js';
import type { HandlerMap } from './types.js';

/** Throws `PERMISSION_DENIED` (audited as `grant.denied`) unless the token may create `kind`. */
function requireCreateGrant(ctx: RequestContext, kind: 'direct' | 'group' | 'channel'): void {
  if (ctx.grants.canCreate.includes(kind)) return;
  ctx.server.auditor.record({
    action: 'grant.denied',
    actorId: ctx.user.id,
    outcome: 'denied',
    reason: ErrorCode.PERMISSION_DENIED,
    ip: ctx.ip,
    details: { grant: 'canCreate', kind },
  });
  throw new PlazaError(ErrorCode.PERMISSION_DENIED, `your token does not allow creating ${kind} conversations`);
}

async function stateFor(ctx: RequestContext, conversationId: string): Promise<ConversationWithState> {
  const state = await ctx.server.store.getConversationWithState(conversationId, ctx.user.id);
  if (!state) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `you are not a member of conversation ${conversationId}`);
  return state;
}

/** Handlers of creating, opening, listing, reading and updating conversations. */
export const conversationHandlers: Pick<
  HandlerMap,
  | 'conversation:create'
  | 'conversation:openDirect'
  | 'conversation:list'
  | 'conversation:get'
  | 'conversation:members'
  | 'conversation:update'
> = {
  async 'conversation:create'(ctx, req) {
    requireCreateGrant(ctx, req.kind);
    const others = [...new Set(req.memberIds ?? [])].filter((id) => id !== ctx.user.id);
    const conversation = await ctx.server.store.createConversation({
      kind: req.kind,
      title: req.title,
      topic: req.topic ?? null,
      externalRef: req.externalRef ?? null,
      createdBy: ctx.user.id,
      members: [{ userId: ctx.user.id, role: 'owner' }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
    });
    for (const userId of others) {
      ctx.server.auditor.record({ action: 'member.added', actorId: ctx.user.id, target: conversation.id, ip: ctx.ip, details: { userId, role: 'member' } });
    }
    await announceAdded(ctx.server, conversation.id, [ctx.user.id, ...others]);
    return stateFor(ctx, conversation.id);
  },

  async 'conversation:openDirect'(ctx, req) {
    if (req.userId === ctx.user.id) {
      throw new PlazaError(ErrorCode.INVALID_REQUEST, 'cannot open a direct conversation with yourself', {
        details: { issues: [{ path: ['userId'], message: 'must be another user' }] },
      });
    }
    requireCreateGrant(ctx, 'direct');
    const { conversation, created } = await ctx.server.store.openDirect(ctx.user.id, req.userId);
    if (created) await announceAdded(ctx.server, conversation.id, [ctx.user.id, req.userId]);
    else ctx.socket.join(conversationRoom(conversation.id));
    return stateFor(ctx, conversation.id);
  },

  async 'conversation:list'(ctx) {
    return ctx.server.store.listConversations(ctx.user.id);
  },

  async 'conversation:get'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    return stateFor(ctx, req.conversationId);
  },

  async 'conversation:members'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    return ctx.server.store.listMembers(req.conversationId);
  },

  async 'conversation:update'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireNotRequest(access.conversation, 'update the conversation');
    requireRole(access, ['owner', 'moderator'], 'update the conversation');
    if (req.title === undefined && req.topic === undefined) return requireConversation(ctx, req.conversationId);
    const patch: { title?: string; topic?: string | null } = {};
    if (req.title !== undefined) patch.title = req.title;
    if (req.topic !== undefined) patch.topic = req.topic;
    const conversation = await ctx.server.store.updateConversation(req.conversationId, patch);
    ctx.server.io.to(conversationRoom(conversation.id)).emit('conversation:updated', conversation);
    return conversation;
  },
};
