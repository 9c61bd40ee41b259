import { ErrorCode, isBlankText } from '@plaza/protocol';
import type { Conversation, MemberRole } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import type { Membership } from '../../storage/ChatStore.js';
import type { RequestContext } from '../context.js';

/** A conversation and the caller's membership in it. */
export interface MemberAccess {
  conversation: Conversation;
  membership: Membership;
  /** The caller's role for permission checks: `owner` for administrators. */
  role: MemberRole;
}

/** The conversation or `CONVERSATION_NOT_FOUND`. */
export async function requireConversation(ctx: RequestContext, conversationId: string): Promise<Conversation> {
  const conversation = await ctx.server.store.getConversation(conversationId);
  if (!conversation) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  return conversation;
}

/** The conversation and the caller's membership, or `CONVERSATION_NOT_FOUND` / `NOT_A_MEMBER`. */
export async function requireMember(ctx: RequestContext, conversationId: string): Promise<MemberAccess> {
  const found = await ctx.server.store.getConversationForMember(conversationId, ctx.user.id);
  if (!found) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  const { conversation, membership } = found;
  if (!membership) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `you are not a member of conversation ${conversationId}`);
  return { conversation, membership, role: ctx.grants.admin ? 'owner' : membership.role };
}

/** Whether a role may manage members and moderate. */
export function isManager(role: MemberRole): boolean {
  return role === 'owner' || role === 'moderator';
}

/** Throws `FORBIDDEN_ROLE` unless `role` is one of `allowed`. */
export function requireRole(access: MemberAccess, allowed: readonly MemberRole[], action: string): void {
  if (!allowed.includes(access.role)) {
    throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, `only ${allowed.join(' or ')} may ${action} (you are ${access.role})`);
  }
}

/**
 * Throws `CONFLICT` for direct conversations, whose membership never changes, and for requests,
 * whose membership the citizen desk manages (claim, transfer, reopen).
 */
export function requireGroupOrChannel(conversation: Conversation, action: string): void {
  if (conversation.kind === 'direct') {
    throw new PlazaError(ErrorCode.CONFLICT, `cannot ${action} in a direct conversation`);
  }
  requireNotRequest(conversation, action);
}

/** Throws `CONFLICT` for a conversation of kind `request`: the desk manages its membership and settings. */
export function requireNotRequest(conversation: Conversation, action: string): void {
  if (conversation.kind === 'request') {
    throw new PlazaError(ErrorCode.CONFLICT, `cannot ${action} in a request: membership of a request is managed by the desk`);
  }
}

/** Length of a string in UTF-8 bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Throws `INVALID_REQUEST` for blank text (unless `blankAllowed`, for messages with attachments)
 * and `PAYLOAD_TOO_LARGE` (with `details.limit`) above the byte limit.
 */
export function requireText(ctx: Pick<RequestContext, 'server'>, text: string, blankAllowed = false): void {
  if (!blankAllowed && isBlankText(text)) {
    throw new PlazaError(ErrorCode.INVALID_REQUEST, 'text must not be empty', {
      details: { issues: [{ path: ['text'], message: 'text must not be empty' }] },
    });
  }
  const limit = ctx.server.limits.maxTextBytes;
  if (utf8Bytes(text) > limit) {
    throw new PlazaError(ErrorCode.PAYLOAD_TOO_LARGE, `text is larger than ${limit} bytes (UTF-8)`, { details: { limit } });
  }
}
