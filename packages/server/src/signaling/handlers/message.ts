import { ErrorCode } from '@plaza/protocol';
import { noteFirstResponse } from '../../desk/requestService.js';
import { PlazaError } from '../../errors.js';
import { appendAndAnnounce, resolveReferences } from '../actions.js';
import { conversationRoom } from '../context.js';
import { isManager, requireMember, requireText } from './guards.js';
import type { HandlerMap } from './types.js';

/** Handlers of sending, editing, deleting, reacting to and reading messages. */
export const messageHandlers: Pick<
  HandlerMap,
  'message:send' | 'message:edit' | 'message:delete' | 'message:react' | 'message:history' | 'message:sync'
> = {
  async 'message:send'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    if (access.conversation.kind === 'channel' && !isManager(access.role)) {
      throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only owners and moderators may post in a channel');
    }
    const attachments = req.attachments ? [...new Set(req.attachments)] : [];
    if (attachments.length > ctx.server.limits.maxAttachments) {
      throw new PlazaError(ErrorCode.PAYLOAD_TOO_LARGE, `at most ${ctx.server.limits.maxAttachments} attachments per message`, {
        details: { limit: ctx.server.limits.maxAttachments },
      });
    }
    // With attachments the text may be empty (a photo without caption).
    requireText(ctx, req.text, attachments.length > 0);
    const mentions = await resolveReferences(ctx.server, req.conversationId, req.replyTo, req.mentions);
    // Keep this socket's sends in arrival order: the append is queued only after earlier ones.
    const { message } = await appendAndAnnounce(
      ctx.server,
      {
        conversationId: req.conversationId,
        senderId: ctx.user.id,
        clientId: req.clientId,
        kind: 'user',
        text: req.text,
        replyTo: req.replyTo ?? null,
        mentions,
        ...(attachments.length > 0 ? { attachments } : {}),
      },
      ctx.sendTicket,
    );
    // An agent's first message in a request is its first response (stops the SLA clock).
    if (access.conversation.kind === 'request') await noteFirstResponse(ctx.server, req.conversationId, ctx.user.id);
    return message;
  },

  async 'message:edit'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    const store = ctx.server.store;
    const existing = await store.getMessage(req.conversationId, req.messageId);
    if (!existing) throw new PlazaError(ErrorCode.MESSAGE_NOT_FOUND, `no message ${req.messageId} in this conversation`);
    if (existing.senderId !== ctx.user.id) throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only the author may edit a message');
    if (existing.deletedAt !== null) throw new PlazaError(ErrorCode.CONFLICT, 'the message is deleted');
    requireText(ctx, req.text);
    const message = await store.editMessage(req.conversationId, req.messageId, req.text, existing.mentions);
    ctx.server.io.to(conversationRoom(req.conversationId)).emit('message:updated', message);
    return message;
  },

  async 'message:delete'(ctx, req) {
    const access = await requireMember(ctx, req.conversationId);
    const store = ctx.server.store;
    const existing = await store.getMessage(req.conversationId, req.messageId);
    if (!existing) throw new PlazaError(ErrorCode.MESSAGE_NOT_FOUND, `no message ${req.messageId} in this conversation`);
    if (existing.senderId !== ctx.user.id && !isManager(access.role)) {
      throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only the author, owners and moderators may delete a message');
    }
    if (existing.deletedAt !== null) return existing;
    const { message, releasedFiles } = await store.deleteMessageReleasingFiles(req.conversationId, req.messageId);
    ctx.server.io.to(conversationRoom(req.conversationId)).emit('message:updated', message);
    if (releasedFiles.length > 0) await ctx.server.files.deleteBytes(releasedFiles);
    return message;
  },

  async 'message:react'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    const store = ctx.server.store;
    const before = await store.getMessage(req.conversationId, req.messageId);
    if (!before) throw new PlazaError(ErrorCode.MESSAGE_NOT_FOUND, `no message ${req.messageId} in this conversation`);
    const message = await store.react(req.conversationId, req.messageId, ctx.user.id, req.emoji, req.add);
    if (message.rev !== before.rev) ctx.server.io.to(conversationRoom(req.conversationId)).emit('message:updated', message);
    return message;
  },

  async 'message:history'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    if (req.beforeSeq !== undefined && req.afterSeq !== undefined) {
      throw new PlazaError(ErrorCode.INVALID_REQUEST, 'give beforeSeq or afterSeq, not both', {
        details: { issues: [{ path: ['afterSeq'], message: 'cannot be combined with beforeSeq' }] },
      });
    }
    const { defaultPageSize, maxPageSize } = ctx.server.limits;
    const limit = Math.min(req.limit ?? defaultPageSize, maxPageSize);
    const query: { beforeSeq?: number; afterSeq?: number; limit: number } = { limit };
    if (req.beforeSeq !== undefined) query.beforeSeq = req.beforeSeq;
    if (req.afterSeq !== undefined) query.afterSeq = req.afterSeq;
    return ctx.server.store.history(req.conversationId, query);
  },

  async 'message:sync'(ctx, req) {
    await requireMember(ctx, req.conversationId);
    const { defaultPageSize, maxPageSize } = ctx.server.limits;
    return ctx.server.store.changesSince(req.conversationId, req.afterRev, Math.min(req.limit ?? defaultPageSize, maxPageSize));
  },
};
