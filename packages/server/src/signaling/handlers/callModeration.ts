import { ErrorCode } from '@plaza/protocol';
import { setMuted } from '../../calls/callMedia.js';
import { PlazaError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import { actorOf, requireCall } from './callAccess.js';
import type { CallAccess } from './callAccess.js';
import { isManager } from './guards.js';
import type { HandlerMap } from './types.js';

/** Throws `FORBIDDEN_ROLE` (audited) unless the caller moderates the call's conversation (owner, moderator or admin). */
function requireModerator(ctx: RequestContext, { call, access }: CallAccess, action: string): void {
  if (isManager(access.role)) return;
  ctx.server.auditor.record({
    action: 'call.denied',
    actorId: ctx.user.id,
    target: call.conversationId,
    outcome: 'denied',
    reason: ErrorCode.FORBIDDEN_ROLE,
    ip: ctx.ip,
    details: { callId: call.id, action, role: access.role },
  });
  throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, `only owners and moderators may ${action} (you are ${access.role})`);
}

function targetOf(found: CallAccess, participantId: string) {
  const target = found.call.participants.get(participantId);
  if (!target || target.gone) throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, `no participant ${participantId} in call ${found.call.id}`);
  return target;
}

/** Handlers of moderation: muting and removing participants (by members with the role; they need not be in the call). */
export const callModerationHandlers: Pick<HandlerMap, 'call:muteParticipant' | 'call:removeParticipant'> = {
  async 'call:muteParticipant'(ctx, req) {
    const found = await requireCall(ctx, req.callId);
    requireModerator(ctx, found, 'mute participants');
    const target = targetOf(found, req.participantId);
    const track = target.trackOf(req.source);
    if (!track) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `${req.participantId} does not publish ${req.source}`);
    await setMuted(found.call, target, track[0], true, ctx.user.id);
    ctx.server.auditor.record({
      action: 'call.muted',
      actorId: ctx.user.id,
      target: found.call.conversationId,
      ip: ctx.ip,
      details: { callId: found.call.id, participantId: target.id, userId: target.userId, source: req.source },
    });
    return {};
  },

  async 'call:removeParticipant'(ctx, req) {
    const found = await requireCall(ctx, req.callId);
    requireModerator(ctx, found, 'remove participants');
    const target = targetOf(found, req.participantId);
    await ctx.server.calls.leave(found.call, target, 'removed', { actor: actorOf(ctx), action: 'call.removed' });
    return {};
  },
};
