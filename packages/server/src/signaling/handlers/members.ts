import { ErrorCode } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { addMembersAs, removeMemberAs, setRoleAs } from '../actions.js';
import type { Actor } from '../actions.js';
import type { RequestContext } from '../context.js';
import { requireConversation, requireGroupOrChannel, requireMember, requireNotRequest, requireRole } from './guards.js';
import type { HandlerMap } from './types.js';

/** The request's caller as the actor of a membership change. */
function actor(ctx: RequestContext): Actor {
  return { actorId: ctx.user.id, ip: ctx.ip };
}

/** Handlers of membership: add, remove, change role, join and leave. */
export const memberHandlers: Pick<
  HandlerMap,
  'conversation:addMembers' | 'conversation:removeMember' | 'conversation:setRole' | 'conversation:join' | 'conversation:leave'
> = {
  async 'conversation:addMembers'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireGroupOrChannel(access.conversation, 'add members');
    requireRole(access, ['owner', 'moderator'], 'add members');
    const role = req.role ?? 'member';
    if (role === 'owner' && access.role !== 'owner') throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only owners may add owners');
    const userIds = [...new Set(req.userIds)];
    return addMembersAs(ctx.server, actor(ctx), req.conversationId, userIds.map((userId) => ({ userId, role })));
  },

  async 'conversation:removeMember'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireGroupOrChannel(access.conversation, 'remove members');
    if (req.userId !== ctx.user.id) requireRole(access, ['owner', 'moderator'], 'remove members');
    const target = await ctx.server.store.getMembership(req.conversationId, req.userId);
    if (!target) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${req.userId} is not a member of conversation ${req.conversationId}`);
    if (req.userId !== ctx.user.id && target.role === 'owner' && access.role !== 'owner') {
      throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'moderators cannot remove owners');
    }
    await removeMemberAs(ctx.server, actor(ctx), req.conversationId, req.userId, req.userId === ctx.user.id ? 'left' : 'removed');
    return {};
  },

  async 'conversation:setRole'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireGroupOrChannel(access.conversation, 'change roles');
    requireRole(access, ['owner'], 'change roles');
    const target = await ctx.server.store.getMembership(req.conversationId, req.userId);
    if (!target) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${req.userId} is not a member of conversation ${req.conversationId}`);
    if (target.role === req.role) {
      const same = (await ctx.server.store.listMembers(req.conversationId)).find((m) => m.userId === req.userId);
      if (same) return same;
    }
    if (target.role === 'owner' && req.role !== 'owner') {
      const owners = (await ctx.server.store.listMembers(req.conversationId)).filter((m) => m.role === 'owner');
      if (owners.length <= 1) throw new PlazaError(ErrorCode.CONFLICT, 'a conversation needs at least one owner; promote another member first');
    }
    return setRoleAs(ctx.server, actor(ctx), req.conversationId, req.userId, req.role, target.role);
  },

  async 'conversation:join'(ctx, req) {
    const { canJoin } = ctx.grants;
    if (!canJoin.includes('*') && !canJoin.includes(req.conversationId) && !ctx.grants.admin) {
      ctx.server.auditor.record({
        action: 'grant.denied',
        actorId: ctx.user.id,
        target: req.conversationId,
        outcome: 'denied',
        reason: ErrorCode.PERMISSION_DENIED,
        ip: ctx.ip,
        details: { grant: 'canJoin' },
      });
      throw new PlazaError(ErrorCode.PERMISSION_DENIED, `your token does not allow joining conversation ${req.conversationId}`);
    }
    const conversation = await requireConversation(ctx, req.conversationId);
    if (conversation.kind === 'direct') throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'direct conversations cannot be joined');
    requireNotRequest(conversation, 'join');
    const existing = await ctx.server.store.getConversationWithState(req.conversationId, ctx.user.id);
    if (existing) return existing;
    await addMembersAs(ctx.server, actor(ctx), req.conversationId, [{ userId: ctx.user.id, role: 'member' }], { via: 'join' });
    const state = await ctx.server.store.getConversationWithState(req.conversationId, ctx.user.id);
    if (!state) throw new PlazaError(ErrorCode.CONFLICT, 'you were removed while joining');
    return state;
  },

  async 'conversation:leave'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireGroupOrChannel(access.conversation, 'leave');
    await removeMemberAs(ctx.server, actor(ctx), req.conversationId, ctx.user.id, 'left');
    return {};
  },
};
