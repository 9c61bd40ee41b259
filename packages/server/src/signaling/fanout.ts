import type { Member, MemberChange, Presence } from '@plaza/protocol';
import type { SignalingContext } from './context.js';
import { conversationRoom, userRoom } from './context.js';

/**
 * Puts every socket of `userIds` into the conversation's room (on every node, through the
 * adapter) and sends each of them `conversation:added` with their own state.
 */
export async function announceAdded(ctx: SignalingContext, conversationId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  ctx.io.in(userIds.map(userRoom)).socketsJoin(conversationRoom(conversationId));
  for (const userId of userIds) {
    const state = await ctx.store.getConversationWithState(conversationId, userId);
    if (state) ctx.io.to(userRoom(userId)).emit('conversation:added', state);
  }
}

/** Takes every socket of `userId` out of the room and tells them why. */
export function announceRemoved(ctx: SignalingContext, conversationId: string, userId: string, reason: 'left' | 'removed'): void {
  ctx.io.in(userRoom(userId)).socketsLeave(conversationRoom(conversationId));
  ctx.io.to(userRoom(userId)).emit('conversation:removed', { conversationId, reason });
}

/** Tells the conversation's room that members changed, then sends the new member count. */
export async function announceMembers(ctx: SignalingContext, conversationId: string, members: readonly Member[], change: MemberChange): Promise<void> {
  const room = ctx.io.to(conversationRoom(conversationId));
  for (const member of members) room.emit('member:updated', { conversationId, member, change });
  if (change !== 'role') {
    const conversation = await ctx.store.getConversation(conversationId);
    if (conversation) ctx.io.to(conversationRoom(conversationId)).emit('conversation:updated', conversation);
  }
}

/**
 * Sends a presence change to everyone who shares a conversation with the user, and to the user's
 * own devices. socket.io sends one copy per socket however many of the rooms it is in.
 * Conversations with `limits.presenceLargeConversationMembers` members or more are left out: there
 * a burst of reconnects would cost members² packets, so their members ask with `presence:get`.
 */
export async function broadcastPresence(ctx: SignalingContext, presence: Presence): Promise<void> {
  const ids = await ctx.store.conversationIdsOf(presence.userId, { belowMemberCount: ctx.limits.presenceLargeConversationMembers });
  ctx.io.to([userRoom(presence.userId), ...ids.map(conversationRoom)]).emit('presence', presence);
}
