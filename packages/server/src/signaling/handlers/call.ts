import { ErrorCode } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { actorOf, requireCall, requireCallParticipant } from './callAccess.js';
import { requireMember } from './guards.js';
import type { HandlerMap } from './types.js';

/** Ringing is for direct conversations and groups up to this many members. */
const MAX_RING_MEMBERS = 50;

/** Handlers of joining, leaving, reading and ringing calls. */
export const callHandlers: Pick<HandlerMap, 'call:join' | 'call:leave' | 'call:get' | 'call:ring' | 'call:cancelRing' | 'call:decline'> = {
  async 'call:join'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    return ctx.server.calls.join(actorOf(ctx), req.conversationId, req.participantId);
  },

  async 'call:leave'(ctx, req) {
    const { call, participant } = await requireCallParticipant(ctx, req.callId);
    await ctx.server.calls.leave(call, participant, 'left', { actor: actorOf(ctx), action: 'call.left' });
    return {};
  },

  async 'call:get'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    return ctx.server.calls.ofConversation(req.conversationId)?.info() ?? null;
  },

  async 'call:ring'(ctx, req) {
    const { call, access, participant } = await requireCallParticipant(ctx, req.callId);
    const { conversation } = access;
    if (conversation.kind === 'channel' || conversation.memberCount > MAX_RING_MEMBERS) {
      throw new PlazaError(ErrorCode.CONFLICT, `ringing is for direct conversations and groups of up to ${MAX_RING_MEMBERS} members`);
    }
    const members = new Set(await ctx.server.store.listMemberIds(call.conversationId));
    const inCall = new Set([...call.participants.values()].map((p) => p.userId));
    const asked = req.userIds ? [...new Set(req.userIds)] : [...members];
    const notMembers = asked.filter((id) => !members.has(id));
    if (notMembers.length > 0) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `not members of this conversation: ${notMembers.slice(0, 5).join(', ')}`);
    const callees = asked.filter((id) => id !== ctx.user.id && !inCall.has(id));
    ctx.server.calls.rings.ring(call, { userId: ctx.user.id, name: ctx.user.name, participantId: participant.id }, callees);
    return { ringing: callees };
  },

  async 'call:cancelRing'(ctx, req) {
    const { call } = await requireCallParticipant(ctx, req.callId);
    ctx.server.calls.rings.endAll(call.id, 'cancelled', (ring) => ring.callerId === ctx.user.id);
    return {};
  },

  async 'call:decline'(ctx, req) {
    const { call } = await requireCall(ctx, req.callId);
    ctx.server.calls.rings.end(call.id, ctx.user.id, 'declined');
    return {};
  },
};
