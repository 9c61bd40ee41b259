import { ErrorCode } from '@plaza/protocol';
import type { Conversation, MemberRole, conversationsRoutes } from '@plaza/protocol';
import { noteFirstResponse } from '../../desk/requestService.js';
import { PlazaError } from '../../errors.js';
import { addMembersAs, appendAndAnnounce, removeMemberAs, resolveReferences, setRoleAs } from '../../signaling/actions.js';
import type { Actor } from '../../signaling/actions.js';
import { conversationRoom } from '../../signaling/context.js';
import { announceAdded } from '../../signaling/fanout.js';
import { isManager, requireGroupOrChannel, requireText } from '../../signaling/handlers/guards.js';
import type { Membership } from '../../storage/ChatStore.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

/** The API key as the actor of audit records. */
function actorOf(ctx: ApiContext): Actor {
  return { actorId: ctx.actorId, ip: ctx.ip };
}

/** The conversation, or `CONVERSATION_NOT_FOUND`. */
async function requireConversation(ctx: ApiContext, conversationId: string): Promise<Conversation> {
  const conversation = await ctx.server.store.getConversation(conversationId);
  if (!conversation) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  return conversation;
}

/** `userId`'s membership, or `NOT_A_MEMBER`. */
async function requireMembership(ctx: ApiContext, conversationId: string, userId: string): Promise<Membership> {
  const membership = await ctx.server.store.getMembership(conversationId, userId);
  if (!membership) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a member of conversation ${conversationId}`);
  return membership;
}

/** Each user once (the first entry wins), with the default role filled in. */
function uniqueMembers(members: readonly { userId: string; role?: MemberRole | undefined }[]): { userId: string; role: MemberRole }[] {
  const byId = new Map<string, MemberRole>();
  for (const m of members) if (!byId.has(m.userId)) byId.set(m.userId, m.role ?? 'member');
  return [...byId].map(([userId, role]) => ({ userId, role }));
}

/** Handlers of the REST operations in `conversationsRoutes`: the same effects as the socket requests, by the API key. */
export const conversationsHandlers: ApiHandlerGroup<keyof typeof conversationsRoutes> = {
  async createConversation({ body }, ctx) {
    const others = uniqueMembers(body.members ?? []).filter((m) => m.userId !== body.createdBy);
    const members = [{ userId: body.createdBy, role: 'owner' as const }, ...others];
    const conversation = await ctx.server.store.createConversation({
      kind: body.kind,
      title: body.title ?? null,
      topic: body.topic ?? null,
      externalRef: body.externalRef ?? null,
      createdBy: body.createdBy,
      members,
    });
    for (const m of members) {
      ctx.server.auditor.record({ action: 'member.added', actorId: ctx.actorId, target: conversation.id, ip: ctx.ip, details: { userId: m.userId, role: m.role } });
    }
    await announceAdded(ctx.server, conversation.id, members.map((m) => m.userId));
    return conversation;
  },

  async listConversations({ query }, ctx) {
    const { items, nextCursor } = await ctx.server.store.listConversationsPage({
      limit: query.limit,
      ...(query.externalRef !== undefined ? { externalRef: query.externalRef } : {}),
      ...(query.topic !== undefined ? { topic: query.topic } : {}),
      ...(query.memberId !== undefined ? { memberId: query.memberId } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { data: items, nextCursor };
  },

  async getConversation({ params }, ctx) {
    return requireConversation(ctx, params.conversationId);
  },

  async updateConversation({ params, body }, ctx) {
    const current = await requireConversation(ctx, params.conversationId);
    if (body.title !== undefined && current.kind === 'direct') throw new PlazaError(ErrorCode.CONFLICT, 'direct conversations have no title');
    const patch: { title?: string; topic?: string | null; externalRef?: string | null } = {};
    if (body.title !== undefined) patch.title = body.title;
    if (body.topic !== undefined) patch.topic = body.topic;
    if (body.externalRef !== undefined) patch.externalRef = body.externalRef;
    if (Object.keys(patch).length === 0) return current;
    const conversation = await ctx.server.store.updateConversation(params.conversationId, patch);
    ctx.server.io.to(conversationRoom(conversation.id)).emit('conversation:updated', conversation);
    return conversation;
  },

  async listMembers({ params }, ctx) {
    await requireConversation(ctx, params.conversationId);
    return { data: await ctx.server.store.listMembers(params.conversationId) };
  },

  async addMembers({ params, body }, ctx) {
    requireGroupOrChannel(await requireConversation(ctx, params.conversationId), 'add members');
    const added = await addMembersAs(ctx.server, actorOf(ctx), params.conversationId, uniqueMembers(body.members));
    return { added };
  },

  async updateMember({ params, body }, ctx) {
    requireGroupOrChannel(await requireConversation(ctx, params.conversationId), 'change roles');
    const target = await requireMembership(ctx, params.conversationId, params.userId);
    const members = await ctx.server.store.listMembers(params.conversationId);
    if (target.role === body.role) {
      const same = members.find((m) => m.userId === params.userId);
      if (same) return same;
    }
    if (target.role === 'owner' && body.role !== 'owner' && members.filter((m) => m.role === 'owner').length <= 1) {
      throw new PlazaError(ErrorCode.CONFLICT, 'a conversation needs at least one owner; promote another member first');
    }
    return setRoleAs(ctx.server, actorOf(ctx), params.conversationId, params.userId, body.role, target.role);
  },

  async removeMember({ params }, ctx) {
    requireGroupOrChannel(await requireConversation(ctx, params.conversationId), 'remove members');
    await requireMembership(ctx, params.conversationId, params.userId);
    const removed = await removeMemberAs(ctx.server, actorOf(ctx), params.conversationId, params.userId, 'removed');
    // Someone else removed them meanwhile: the same answer as for a non-member.
    if (!removed) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${params.userId} is not a member of conversation ${params.conversationId}`);
    return undefined;
  },

  async postMessage({ params, body }, ctx) {
    const conversation = await requireConversation(ctx, params.conversationId);
    requireText(ctx, body.text);
    if (body.senderId !== undefined) {
      const membership = await requireMembership(ctx, params.conversationId, body.senderId);
      if (conversation.kind === 'channel' && !isManager(membership.role)) {
        throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only owners and moderators may post in a channel');
      }
    }
    const mentions = await resolveReferences(ctx.server, params.conversationId, body.replyTo, body.mentions);
    const { message } = await appendAndAnnounce(ctx.server, {
      conversationId: params.conversationId,
      // A system message is signed by the API key that posted it, so idempotency keys are per key.
      senderId: body.senderId ?? ctx.actorId,
      clientId: body.clientId ?? null,
      kind: body.senderId !== undefined ? 'user' : 'system',
      text: body.text,
      replyTo: body.replyTo ?? null,
      mentions,
    });
    // A bot or agent posting for a user in a request: possibly its first response (stops the SLA clock).
    if (conversation.kind === 'request' && body.senderId !== undefined) await noteFirstResponse(ctx.server, params.conversationId, body.senderId);
    return message;
  },

  async listMessages({ params, query }, ctx) {
    await requireConversation(ctx, params.conversationId);
    if (query.beforeSeq !== undefined && query.afterSeq !== undefined) {
      throw new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid request: give beforeSeq or afterSeq, not both', {
        details: { issues: [{ path: ['query', 'afterSeq'], message: 'cannot be combined with beforeSeq' }] },
      });
    }
    const page = await ctx.server.store.history(params.conversationId, {
      limit: Math.min(query.limit, ctx.server.limits.maxPageSize),
      ...(query.beforeSeq !== undefined ? { beforeSeq: query.beforeSeq } : {}),
      ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}),
    });
    return { data: page.messages, hasMore: page.hasMore };
  },
};
