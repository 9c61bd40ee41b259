import { ErrorCode } from '@plaza/protocol';
import type { Member, MemberRole } from '@plaza/protocol';
import { PlazaError } from '../errors.js';
import type { AppendResult, NewMessage } from '../storage/ChatStore.js';
import type { SignalingContext } from './context.js';
import { conversationRoom } from './context.js';
import { announceAdded, announceMembers, announceRemoved } from './fanout.js';
import type { SendTicket } from './SendSequencer.js';

/*
 * The socket-free cores of membership changes and message sends: store change, audit record and
 * live fan-out, shared by the socket handlers and the REST API so both have the same effects.
 * Permission checks stay with the callers (a socket checks the user's role, the API trusts its key).
 */

/** Who acts, for audit records: a user id or `api:<apiKey>`, and their address. */
export interface Actor {
  actorId: string;
  ip: string | null;
}

function auditMember(server: SignalingContext, actor: Actor, action: string, conversationId: string, details: Record<string, unknown>): void {
  server.auditor.record({ action, actorId: actor.actorId, target: conversationId, ip: actor.ip, details });
}

/**
 * Adds members: stores them, audits each as `member.added` (with `details` besides user id and
 * role), puts their sockets into the conversation and tells everyone. Returns those newly added
 * (members already in are left as they are).
 */
export async function addMembersAs(
  server: SignalingContext,
  actor: Actor,
  conversationId: string,
  members: { userId: string; role: MemberRole }[],
  details: Record<string, unknown> = {},
): Promise<Member[]> {
  const added = await server.store.addMembers(conversationId, members);
  for (const member of added) auditMember(server, actor, 'member.added', conversationId, { userId: member.userId, role: member.role, ...details });
  await announceAdded(server, conversationId, added.map((m) => m.userId));
  await announceMembers(server, conversationId, added, 'added');
  return added;
}

/** Removes `userId` and, when the last owner goes while others stay, promotes the longest-standing member. */
async function removeAndKeepOwner(server: SignalingContext, actor: Actor, conversationId: string, userId: string): Promise<Member | null> {
  const store = server.store;
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
    auditMember(server, actor, 'role.changed', conversationId, { userId: promoted.userId, role: 'owner', from: previousRole, reason: 'last owner left' });
    await announceMembers(server, conversationId, [promoted], 'role');
  }
  return removed;
}

/**
 * Removes a member (keeping an owner while others stay): audits `member.removed`, takes their
 * sockets out of the conversation (`conversation:removed` with `reason`), removes their
 * participants from its live call and tells the other members. Returns the removed member, or
 * `null` when `userId` was not one.
 */
export async function removeMemberAs(
  server: SignalingContext,
  actor: Actor,
  conversationId: string,
  userId: string,
  reason: 'left' | 'removed',
): Promise<Member | null> {
  const removed = await removeAndKeepOwner(server, actor, conversationId, userId);
  if (removed) {
    auditMember(server, actor, 'member.removed', conversationId, { userId: removed.userId, reason });
    announceRemoved(server, conversationId, removed.userId, reason);
    await server.calls.memberRemoved(conversationId, removed.userId, reason);
    await announceMembers(server, conversationId, [removed], 'removed');
  }
  return removed;
}

/** Changes a member's role: audits `role.changed` (from `from`) and tells the members. */
export async function setRoleAs(server: SignalingContext, actor: Actor, conversationId: string, userId: string, role: MemberRole, from: MemberRole): Promise<Member> {
  const member = await server.store.setRole(conversationId, userId, role);
  auditMember(server, actor, 'role.changed', conversationId, { userId, role, from });
  await announceMembers(server, conversationId, [member], 'role');
  return member;
}

/**
 * Appends a message and, unless it is a duplicate of an earlier send (same clientId), counts it
 * and sends it to the conversation's room (`message:new`). With `ticket` (a socket's line of
 * sends), the append is queued only after the socket's earlier sends.
 */
export async function appendAndAnnounce(server: SignalingContext, input: NewMessage, ticket?: SendTicket): Promise<AppendResult> {
  if (ticket) await ticket.ready;
  const appending = server.store.appendMessage(input);
  ticket?.release();
  const result = await appending;
  if (!result.duplicate) {
    server.metrics.messages.inc();
    server.io.to(conversationRoom(input.conversationId)).emit('message:new', result.message);
  }
  return result;
}

/**
 * Checks `replyTo` (`MESSAGE_NOT_FOUND` unless it is a message of the conversation) and keeps only
 * the mentions of members, each once.
 */
export async function resolveReferences(server: SignalingContext, conversationId: string, replyTo: string | undefined, mentions: readonly string[] | undefined): Promise<string[]> {
  const store = server.store;
  if (replyTo !== undefined && !(await store.getMessage(conversationId, replyTo))) {
    throw new PlazaError(ErrorCode.MESSAGE_NOT_FOUND, `replyTo: no message ${replyTo} in this conversation`);
  }
  if (!mentions || mentions.length === 0) return [];
  const members = new Set(await store.listMemberIds(conversationId));
  return [...new Set(mentions)].filter((id) => members.has(id));
}
