import { ErrorCode } from '@plaza/protocol';
import type { Member } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import { announceAdded, announceMembers, announceRemoved } from '../fanout.js';
import { requireConversation, requireGroupOrChannel, requireMember, requireRole } from './guards.js';
import type { HandlerMap } from './types.js';

function auditMember(ctx: RequestContext, action: string, conversationId: string, details: Record<string, unknown>): void {
  ctx.server.auditor.record({ action, actorId: ctx.user.id, target: conversationId, ip: ctx.ip, details });
}

/** Removes `userId` and, when the last owner goes while others stay, promotes the longest-standing member. */
async function removeAndKeepOwner(ctx: RequestContext, conversationId: string, userId: string): Promise<Member | null> {
  const store = ctx.server.store;
  const members = await store.listMembers(conversationId);
  const leaving = members.find((m) => m.userId === userId);
  if (!leaving) return null;
  const rest = members.filter((m) => m.userId !== userId);
  let promoted: Member | null = null;
  let previousRole: string | null = null;
  if (leaving.role === 'owner' && rest.length > 0 && !rest.some((m) => m.role === 'owner')) {
    const heir = [...rest].sort((a, b) => a.joinedAt.localeCompare(b.joinedAt))[0] as Member;
    previousRole = heir.role;
    promoted = await store.setRole(conversationId, heir.userId, 'owner');
  }
  const removed = await store.removeMember(conversationId, userId);
  if (promoted) {
    auditMember(ctx, 'role.changed', conversationId, { userId: promoted.userId, role: 'owner', from: previousRole, reason: 'last owner left' });
    await announceMembers(ctx.server, conversationId, [promoted], 'role');
  }
  return removed;
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
    const added = await ctx.server.store.addMembers(req.conversationId, userIds.map((userId) => ({ userId, role })));
    for (const member of added) auditMember(ctx, 'member.added', req.conversationId, { userId: member.userId, role: member.role });
    await announceAdded(ctx.server, req.conversationId, added.map((m) => m.userId));
    await announceMembers(ctx.server, req.conversationId, added, 'added');
    return added;
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
    const removed = await removeAndKeepOwner(ctx, req.conversationId, req.userId);
    if (removed) {
      const self = req.userId === ctx.user.id;
      auditMember(ctx, 'member.removed', req.conversationId, { userId: removed.userId, reason: self ? 'left' : 'removed' });
      announceRemoved(ctx.server, req.conversationId, removed.userId, self ? 'left' : 'removed');
      await ctx.server.calls.memberRemoved(req.conversationId, removed.userId, self ? 'left' : 'removed');
      await announceMembers(ctx.server, req.conversationId, [removed], 'removed');
    }
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
    const member = await ctx.server.store.setRole(req.conversationId, req.userId, req.role);
    auditMember(ctx, 'role.changed', req.conversationId, { userId: req.userId, role: req.role, from: target.role });
    await announceMembers(ctx.server, req.conversationId, [member], 'role');
    return member;
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
    const existing = await ctx.server.store.getConversationWithState(req.conversationId, ctx.user.id);
    if (existing) return existing;
    const added = await ctx.server.store.addMembers(req.conversationId, [{ userId: ctx.user.id, role: 'member' }]);
    for (const member of added) auditMember(ctx, 'member.added', req.conversationId, { userId: member.userId, role: member.role, via: 'join' });
    await announceAdded(ctx.server, req.conversationId, [ctx.user.id]);
    await announceMembers(ctx.server, req.conversationId, added, 'added');
    const state = await ctx.server.store.getConversationWithState(req.conversationId, ctx.user.id);
    if (!state) throw new PlazaError(ErrorCode.CONFLICT, 'you were removed while joining');
    return state;
  },

  async 'conversation:leave'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    requireGroupOrChannel(access.conversation, 'leave');
    const removed = await removeAndKeepOwner(ctx, req.conversationId, ctx.user.id);
    if (removed) {
      auditMember(ctx, 'member.removed', req.conversationId, { userId: ctx.user.id, reason: 'left' });
      announceRemoved(ctx.server, req.conversationId, ctx.user.id, 'left');
      await ctx.server.calls.memberRemoved(req.conversationId, ctx.user.id, 'left');
      await announceMembers(ctx.server, req.conversationId, [removed], 'removed');
    }
    return {};
  },
};
