import { ErrorCode } from '@plaza/protocol';
import type { CitizenRequest, Conversation, Department, QueueItem, RequestLocation, RequestStatus } from '@plaza/protocol';
import { PlazaError } from '../errors.js';
import type { Actor } from '../signaling/actions.js';
import type { SignalingContext } from '../signaling/context.js';
import { announceAdded } from '../signaling/fanout.js';
import type { DeskMessage, QueueView, RequestPrecondition, RequestTransition } from '../storage/RequestRecords.js';
import { announceMessages, announceTransition, auditChange, emitRequestUpdated } from './requestEffects.js';
import { notice, noticeText, queueEntry } from './requestNotices.js';

/*
 * The rules of the citizen desk's request lifecycle, shared by the socket handlers and the REST
 * API: who may do what (PERMISSION_DENIED for someone who is not an agent of the request's
 * department, FORBIDDEN_ROLE for an agent who is not its assignee, CONFLICT for a change the
 * request's status does not allow or that lost a race), the store's one-transaction change, then
 * its live effects.
 */

/**
 * Who changes a request: a user (their permissions are checked) or the REST API (`trusted`: an
 * API key may do what any agent may, as `api:<key>`).
 */
export interface DeskActor extends Actor {
  trusted: boolean;
}

/** What a citizen sends to open a request. */
export interface OpenRequestInput {
  topicId: string;
  description: string;
  location?: RequestLocation | undefined;
  /** Idempotency key: the same key of the same citizen answers the first request. */
  clientId: string;
  /**
   * Opens it in this department without looking the topic up (for requests the server opens
   * itself, such as an escalated alert, whose topic need not be a topic of the directory).
   */
  departmentId?: string;
}

async function requireRequest(server: SignalingContext, conversationId: string): Promise<CitizenRequest> {
  const request = await server.store.requests.get(conversationId);
  if (!request) throw new PlazaError(ErrorCode.REQUEST_NOT_FOUND, `no request ${conversationId}`);
  return request;
}

async function requireDepartment(server: SignalingContext, departmentId: string): Promise<Department> {
  const department = await server.store.directory.getDepartment(departmentId);
  if (!department) throw new PlazaError(ErrorCode.DEPARTMENT_NOT_FOUND, `no department ${departmentId}`);
  return department;
}

/** Whether `userId` is an agent of `departmentId`. */
function isAgent(server: SignalingContext, departmentId: string, userId: string): Promise<boolean> {
  return server.store.directory.isAgent(departmentId, userId);
}

/** Throws `PERMISSION_DENIED` unless the actor is trusted or an agent of the request's department. */
async function requireAgent(server: SignalingContext, actor: DeskActor, request: CitizenRequest, action: string): Promise<void> {
  if (actor.trusted || (await isAgent(server, request.departmentId, actor.actorId))) return;
  throw new PlazaError(ErrorCode.PERMISSION_DENIED, `only agents of ${request.departmentId} may ${action} this request`);
}

/**
 * Throws unless the actor may work on the request as its assignee: trusted callers may; the
 * assignee may; another agent of its department gets `FORBIDDEN_ROLE`, anyone else `PERMISSION_DENIED`.
 */
async function requireAssignee(server: SignalingContext, actor: DeskActor, request: CitizenRequest, action: string): Promise<void> {
  if (actor.trusted || (request.assigneeId !== null && request.assigneeId === actor.actorId)) return;
  await requireAgent(server, actor, request, action);
  throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, `only the agent handling this request may ${action} it`);
}

/** The precondition of a change by the assignee: one of `statuses`, still with the assignee read. */
function byAssignee(request: CitizenRequest, statuses: readonly RequestStatus[]): RequestPrecondition {
  return { statuses, assigneeId: request.assigneeId };
}

/** The assignee to take out of the conversation when the request leaves them (never the citizen). */
function leavingAssignee(request: CitizenRequest): { removeMemberId?: string } {
  return request.assigneeId !== null && request.assigneeId !== request.citizenId ? { removeMemberId: request.assigneeId } : {};
}

/** Applies a transition at `at` (the instant its SLA due time was derived from), then its live effects. */
async function applyAndAnnounce(server: SignalingContext, actor: DeskActor, at: Date, transition: Omit<RequestTransition, 'actorId' | 'at'>): Promise<CitizenRequest> {
  const result = await server.store.requests.apply({ ...transition, actorId: actor.actorId, at: at.toISOString() });
  await announceTransition(server, actor, transition.change, result);
  return result.request;
}

/**
 * Opens a request for `citizen`: routed by its topic to a department's queue, with the description
 * as the citizen's first message, a notice naming the department and, outside its opening hours,
 * one saying when it opens. The citizen's devices get `conversation:added`, the messages and
 * `request:updated`, as do the department's agents (`request:updated`). Idempotent per
 * (citizen, clientId). Throws `TOPIC_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `PAYLOAD_TOO_LARGE`.
 */
export async function openRequest(
  server: SignalingContext,
  citizen: Actor,
  input: OpenRequestInput,
): Promise<{ request: CitizenRequest; conversation: Conversation; created: boolean }> {
  const limit = server.limits.maxTextBytes;
  if (Buffer.byteLength(input.description, 'utf8') > limit) {
    throw new PlazaError(ErrorCode.PAYLOAD_TOO_LARGE, `description is larger than ${limit} bytes (UTF-8)`, { details: { limit } });
  }
  let title: string = input.topicId;
  let departmentId = input.departmentId;
  if (departmentId === undefined) {
    const topic = await server.store.directory.getTopic(input.topicId);
    if (!topic) throw new PlazaError(ErrorCode.TOPIC_NOT_FOUND, `no topic ${input.topicId}`);
    title = topic.name;
    departmentId = topic.departmentId;
  }
  const department = await requireDepartment(server, departmentId);
  const at = new Date();
  const entry = queueEntry(department, at);
  const messages: DeskMessage[] = [
    { senderId: citizen.actorId, kind: 'user', text: input.description, clientId: input.clientId },
    notice(noticeText.opened(department)),
  ];
  if (entry.closedNotice) messages.push(entry.closedNotice);
  const opened = await server.store.requests.open({
    citizenId: citizen.actorId,
    clientId: input.clientId,
    topicId: input.topicId,
    departmentId,
    title,
    description: input.description,
    location: input.location ?? null,
    slaDueAt: entry.slaDueAt,
    messages,
    at: at.toISOString(),
  });
  if (opened.created) {
    await announceAdded(server, opened.conversation.id, [citizen.actorId]);
    announceMessages(server, opened.messages);
    emitRequestUpdated(server, 'opened', opened.request, { actorId: citizen.actorId });
    auditChange(server, citizen, 'opened', opened.request, { topicId: input.topicId });
  }
  return { request: opened.request, conversation: opened.conversation, created: opened.created };
}

/**
 * A request as `userId` may see it: its citizen, its assignee and the agents of its department.
 * Throws `REQUEST_NOT_FOUND`, `PERMISSION_DENIED`.
 */
export async function getRequestFor(server: SignalingContext, userId: string, conversationId: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  if (request.citizenId === userId || request.assigneeId === userId) return request;
  if (await isAgent(server, request.departmentId, userId)) return request;
  throw new PlazaError(ErrorCode.PERMISSION_DENIED, `you may not see request ${conversationId}`);
}

/**
 * A department's queue for one of its agents, oldest first, with waiting times. Throws
 * `DEPARTMENT_NOT_FOUND`, `PERMISSION_DENIED` (not an agent of it).
 */
export async function listQueue(server: SignalingContext, userId: string, departmentId: string, view: QueueView): Promise<QueueItem[]> {
  await requireDepartment(server, departmentId);
  if (!(await isAgent(server, departmentId, userId))) {
    throw new PlazaError(ErrorCode.PERMISSION_DENIED, `only agents of ${departmentId} may list its queue`);
  }
  const rows = await server.store.requests.queue(departmentId, view, userId);
  const now = Date.now();
  return rows.map(({ queuedAt, ...item }) => ({ ...item, waitingMs: Math.max(0, now - Date.parse(queuedAt)) }));
}

/**
 * Claims a queued request: the first claim wins, later ones get `CONFLICT`. The agent becomes a
 * member (moderator) of its conversation. Throws `REQUEST_NOT_FOUND`, `PERMISSION_DENIED`, `CONFLICT`.
 */
export async function claimRequest(server: SignalingContext, actor: DeskActor, conversationId: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  await requireAgent(server, actor, request, 'claim');
  const department = await requireDepartment(server, request.departmentId);
  const [user] = await server.store.getUsers([actor.actorId]);
  const addMember = actor.actorId === request.citizenId ? undefined : { userId: actor.actorId, role: 'moderator' as const };
  return applyAndAnnounce(server, actor, new Date(), {
    conversationId,
    change: 'claimed',
    expect: { statuses: ['queued'], assigneeId: null },
    patch: { status: 'claimed', assigneeId: actor.actorId },
    note: null,
    messages: [notice(noticeText.claimed(user?.name ?? actor.actorId, department))],
    ...(addMember ? { addMember } : {}),
  });
}

/**
 * Moves a request to another department's queue with a note for its agents (kept in
 * `transferNote`, not posted); the citizen is told where it went. While queued any agent of its
 * department may, once claimed only the assignee. Throws `REQUEST_NOT_FOUND`,
 * `DEPARTMENT_NOT_FOUND`, `PERMISSION_DENIED`, `FORBIDDEN_ROLE`, `CONFLICT` (resolved, or already there).
 */
export async function transferRequest(server: SignalingContext, actor: DeskActor, conversationId: string, departmentId: string, note: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  if (request.status === 'queued') await requireAgent(server, actor, request, 'transfer');
  else await requireAssignee(server, actor, request, 'transfer');
  const target = await requireDepartment(server, departmentId);
  if (request.status === 'resolved') throw new PlazaError(ErrorCode.CONFLICT, `request ${conversationId} is resolved; reopen it first`);
  if (target.id === request.departmentId) throw new PlazaError(ErrorCode.CONFLICT, `request ${conversationId} is already with ${target.id}`);
  const at = new Date();
  const entry = queueEntry(target, at);
  const messages = [notice(noticeText.transferred(target))];
  if (entry.closedNotice) messages.push(entry.closedNotice);
  return applyAndAnnounce(server, actor, at, {
    conversationId,
    change: 'transferred',
    expect: byAssignee(request, ['queued', 'claimed', 'on_hold']),
    patch: { status: 'queued', assigneeId: null, departmentId: target.id, transferNote: note, requeue: true, slaDueAt: entry.slaDueAt, restartSla: true },
    note,
    fromDepartmentId: request.departmentId,
    toDepartmentId: target.id,
    messages,
    ...leavingAssignee(request),
  });
}

/** Puts a claimed request on hold (the note is posted for the citizen). Assignee only. */
export async function holdRequest(server: SignalingContext, actor: DeskActor, conversationId: string, note?: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  await requireAssignee(server, actor, request, 'hold');
  return applyAndAnnounce(server, actor, new Date(), {
    conversationId,
    change: 'on_hold',
    expect: byAssignee(request, ['claimed']),
    patch: { status: 'on_hold' },
    note: note ?? null,
    messages: [notice(noticeText.onHold(note))],
  });
}

/** Takes a request back from hold. Assignee only. */
export async function resumeRequest(server: SignalingContext, actor: DeskActor, conversationId: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  await requireAssignee(server, actor, request, 'resume');
  return applyAndAnnounce(server, actor, new Date(), {
    conversationId,
    change: 'resumed',
    expect: byAssignee(request, ['on_hold']),
    patch: { status: 'claimed' },
    note: null,
    messages: [notice(noticeText.resumed())],
  });
}

/**
 * Resolves a request (the resolution is posted for the citizen); its SLA stops. The assignee may
 * resolve a claimed or held request; the REST API any open one.
 */
export async function resolveRequest(server: SignalingContext, actor: DeskActor, conversationId: string, resolution?: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  await requireAssignee(server, actor, request, 'resolve');
  const statuses: RequestStatus[] = actor.trusted ? ['queued', 'claimed', 'on_hold'] : ['claimed', 'on_hold'];
  return applyAndAnnounce(server, actor, new Date(), {
    conversationId,
    change: 'resolved',
    expect: byAssignee(request, statuses),
    patch: { status: 'resolved', resolution: resolution ?? null, resolved: true, slaDueAt: null },
    note: resolution ?? null,
    messages: [notice(noticeText.resolved(resolution))],
  });
}

/**
 * Reopens a resolved request: back to its department's queue (the former assignee leaves the
 * conversation; the next claim decides who takes it). Its citizen or an agent of its department.
 */
export async function reopenRequest(server: SignalingContext, actor: DeskActor, conversationId: string, reason?: string): Promise<CitizenRequest> {
  const request = await requireRequest(server, conversationId);
  if (actor.actorId !== request.citizenId) await requireAgent(server, actor, request, 'reopen');
  const department = await requireDepartment(server, request.departmentId);
  const at = new Date();
  const entry = queueEntry(department, at);
  const messages = [notice(noticeText.reopened(department, reason))];
  if (entry.closedNotice) messages.push(entry.closedNotice);
  return applyAndAnnounce(server, actor, at, {
    conversationId,
    change: 'reopened',
    expect: byAssignee(request, ['resolved']),
    patch: { status: 'queued', assigneeId: null, resolution: null, resolved: false, requeue: true, slaDueAt: entry.slaDueAt, restartSla: true },
    note: reason ?? null,
    messages,
    ...leavingAssignee(request),
  });
}

/**
 * After a message by `senderId` in a request's conversation: the first one by its assignee or an
 * agent of its department is the first response (`firstResponseAt` set, the SLA stopped). It is
 * not a change of the request's life, so nothing is emitted; the next read shows it.
 */
export async function noteFirstResponse(server: SignalingContext, conversationId: string, senderId: string): Promise<void> {
  await server.store.requests.recordFirstResponse(conversationId, senderId);
}

/** The requests the citizen opened (of one status), newest first, to their own devices. */
export function listMine(server: SignalingContext, citizenId: string, status?: RequestStatus): Promise<CitizenRequest[]> {
  return server.store.requests.listByCitizen(citizenId, status);
}
