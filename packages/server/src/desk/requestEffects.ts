import type { CitizenRequest, Message, RequestChange, RequestChangeKind } from '@plaza/protocol';
import type { Actor } from '../signaling/actions.js';
import type { SignalingContext } from '../signaling/context.js';
import { conversationRoom, departmentRoom, userRoom } from '../signaling/context.js';
import { announceAdded, announceMembers, announceRemoved } from '../signaling/fanout.js';
import type { RequestTransitionResult } from '../storage/RequestRecords.js';

/*
 * What a committed request change does live: membership fan-out, the posted messages, the
 * `request:updated` event to everyone concerned, and the audit record.
 */

/** Sends committed messages to the conversation's room, as a send does. */
export function announceMessages(server: SignalingContext, messages: readonly Message[]): void {
  for (const message of messages) {
    server.metrics.messages.inc();
    server.io.to(conversationRoom(message.conversationId)).emit('message:new', message);
  }
}

/**
 * Sends `request:updated` to the request's citizen, its assignee, the previous assignee and the
 * agents of its department (and of the department it came from), once per socket.
 *
 * @param server - the signaling context
 * @param change - what happened
 * @param request - the request after the change
 * @param options - who did it, and the request before it (for the previous assignee and department)
 */
export function emitRequestUpdated(
  server: SignalingContext,
  change: RequestChangeKind,
  request: CitizenRequest,
  options: { actorId: string | null; previous?: CitizenRequest; citizen?: boolean },
): RequestChange {
  const event: RequestChange = { change, request, actorId: options.actorId, at: request.updatedAt };
  const previous = options.previous;
  if (previous && previous.departmentId !== request.departmentId) event.fromDepartmentId = previous.departmentId;
  const rooms = new Set<string>([departmentRoom(request.departmentId)]);
  if (options.citizen !== false) rooms.add(userRoom(request.citizenId));
  if (request.assigneeId !== null) rooms.add(userRoom(request.assigneeId));
  if (previous?.assigneeId) rooms.add(userRoom(previous.assigneeId));
  if (previous && previous.departmentId !== request.departmentId) rooms.add(departmentRoom(previous.departmentId));
  server.io.to([...rooms]).emit('request:updated', event);
  return event;
}

/** Audits `request.<change>` by `actor` on the request's conversation. */
export function auditChange(server: SignalingContext, actor: Actor | null, change: RequestChangeKind, request: CitizenRequest, details: Record<string, unknown> = {}): void {
  server.auditor.record({
    action: `request.${change}`,
    actorId: actor?.actorId ?? null,
    target: request.conversationId,
    ip: actor?.ip ?? null,
    details: { departmentId: request.departmentId, status: request.status, ...details },
  });
}

/**
 * The live effects of a committed transition: the removed member leaves the room (and the call),
 * the added one joins it (`conversation:added`), members hear of both, the messages go out, and
 * `request:updated` reaches everyone concerned; the change and the membership are audited.
 */
export async function announceTransition(server: SignalingContext, actor: Actor, change: RequestChangeKind, result: RequestTransitionResult): Promise<void> {
  const conversationId = result.request.conversationId;
  if (result.removed) {
    server.auditor.record({ action: 'member.removed', actorId: actor.actorId, target: conversationId, ip: actor.ip, details: { userId: result.removed.userId, reason: 'desk', change } });
    announceRemoved(server, conversationId, result.removed.userId, 'removed');
    await server.calls.memberRemoved(conversationId, result.removed.userId, 'removed');
    await announceMembers(server, conversationId, [result.removed], 'removed');
  }
  if (result.added.length > 0) {
    for (const m of result.added) {
      server.auditor.record({ action: 'member.added', actorId: actor.actorId, target: conversationId, ip: actor.ip, details: { userId: m.userId, role: m.role, via: 'desk' } });
    }
    await announceAdded(server, conversationId, result.added.map((m) => m.userId));
    await announceMembers(server, conversationId, result.added, 'added');
  }
  announceMessages(server, result.messages);
  emitRequestUpdated(server, change, result.request, { actorId: actor.actorId, previous: result.previous });
  const details: Record<string, unknown> = {};
  if (result.previous.departmentId !== result.request.departmentId) details.fromDepartmentId = result.previous.departmentId;
  if (result.previous.assigneeId !== result.request.assigneeId) details.assigneeId = result.request.assigneeId;
  auditChange(server, actor, change, result.request, details);
}
