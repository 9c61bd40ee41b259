import { ErrorCode } from '@plaza/protocol';
import type { callsRoutes } from '@plaza/protocol';
import type { Call } from '../../calls/Call.js';
import { setMuted } from '../../calls/callMedia.js';
import type { CallParticipant } from '../../calls/CallParticipant.js';
import { PlazaError } from '../../errors.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

/** The live call, or `CALL_NOT_FOUND`. */
function requireCall(ctx: ApiContext, callId: string): Call {
  const call = ctx.server.calls.get(callId);
  if (!call || call.ended) throw new PlazaError(ErrorCode.CALL_NOT_FOUND, `no live call ${callId}`);
  return call;
}

/** A participant of the call now, or `PARTICIPANT_NOT_FOUND`. */
function requireParticipant(call: Call, participantId: string): CallParticipant {
  const participant = call.participants.get(participantId);
  if (!participant || participant.gone) throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, `no participant ${participantId} in call ${call.id}`);
  return participant;
}

/** Handlers of the REST operations in `callsRoutes`: the same effects as a moderator's socket requests, by the API key. */
export const callsHandlers: ApiHandlerGroup<keyof typeof callsRoutes> = {
  async listCalls(_input, ctx) {
    return { data: ctx.server.calls.list().map((call) => call.info()) };
  },

  async getCall({ params }, ctx) {
    return requireCall(ctx, params.callId).info();
  },

  async endCall({ params }, ctx) {
    await ctx.server.calls.end(requireCall(ctx, params.callId), { actorId: ctx.actorId, ip: ctx.ip });
    return undefined;
  },

  async removeParticipant({ params }, ctx) {
    const call = requireCall(ctx, params.callId);
    const participant = requireParticipant(call, params.participantId);
    await ctx.server.calls.leave(call, participant, 'removed', { actor: null, action: 'call.removed', by: { actorId: ctx.actorId, ip: ctx.ip } });
    return undefined;
  },

  async muteParticipant({ params, body }, ctx) {
    const call = requireCall(ctx, params.callId);
    const participant = requireParticipant(call, params.participantId);
    const track = participant.trackOf(body.source);
    if (!track) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `${participant.id} does not publish ${body.source}`);
    await setMuted(call, participant, track[0], true, ctx.actorId);
    ctx.server.auditor.record({
      action: 'call.muted',
      actorId: ctx.actorId,
      target: call.conversationId,
      ip: ctx.ip,
      details: { callId: call.id, participantId: participant.id, userId: participant.userId, source: body.source },
    });
    return undefined;
  },
};
