import { ErrorCode } from '@plaza/protocol';
import type { Call } from '../../calls/Call.js';
import type { CallActor } from '../../calls/CallManager.js';
import type { CallParticipant } from '../../calls/CallParticipant.js';
import { PlazaError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import { requireMember } from './guards.js';
import type { MemberAccess } from './guards.js';

/** A call the caller may act on, and their membership in its conversation. */
export interface CallAccess {
  call: Call;
  access: MemberAccess;
}

/** The live call `callId` (`CALL_NOT_FOUND`) whose conversation the caller belongs to (`NOT_A_MEMBER`). */
export async function requireCall(ctx: RequestContext, callId: string): Promise<CallAccess> {
  const call = ctx.server.calls.get(callId);
  if (!call) throw new PlazaError(ErrorCode.CALL_NOT_FOUND, `no live call ${callId}`);
  const access = await requireMember(ctx, call.conversationId);
  return { call, access };
}

/** The caller's participant in `call` (bound to this connection), or `PARTICIPANT_NOT_FOUND`. */
export function requireParticipant(ctx: RequestContext, call: Call): CallParticipant {
  const participant = call.participantOfSocket(ctx.socket.id);
  if (!participant || participant.gone) throw new PlazaError(ErrorCode.PARTICIPANT_NOT_FOUND, `this connection is not in call ${call.id}; send call:join first`);
  return participant;
}

/** The caller's call and participant. */
export async function requireCallParticipant(ctx: RequestContext, callId: string): Promise<CallAccess & { participant: CallParticipant }> {
  const found = await requireCall(ctx, callId);
  return { ...found, participant: requireParticipant(ctx, found.call) };
}

/** The request's caller as a call actor. */
export function actorOf(ctx: RequestContext): CallActor {
  return { socket: ctx.socket, user: ctx.user, grants: ctx.grants, ip: ctx.ip };
}

/** Records a refused call action in the audit log. */
export function auditDenied(ctx: RequestContext, target: string, reason: string, details: Record<string, unknown>): void {
  ctx.server.auditor.record({ action: 'grant.denied', actorId: ctx.user.id, target, outcome: 'denied', reason, ip: ctx.ip, details });
}
