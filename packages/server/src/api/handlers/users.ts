import { ErrorCode, EXPORT_MAX_FILES, EXPORT_MAX_ITEMS } from '@plaza/protocol';
import type { usersRoutes } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { deriveUrlKey, signFileUrl } from '../../files/signedUrl.js';
import { announceMembers } from '../../signaling/fanout.js';
import { conversationRoom, userRoom } from '../../signaling/context.js';
import { randomBase62 } from '../../storage/ids.js';
import type { ApiHandlerGroup } from '../context.js';
import { deleteUnfinishedUploads, endLiveSessions } from './userSessions.js';

/** How long an export's download URLs work, in seconds. */
export const EXPORT_URL_TTL_SEC = 3600;

/**
 * A random id with `prefix` that does not contain `userId` (so no erasure record names the user,
 * not even by accident for a short id). Falls back to no prefix when the prefix contains the id.
 */
function randomIdWithout(prefix: string, userId: string): string {
  const head = prefix.includes(userId) ? '' : prefix;
  for (;;) {
    const id = `${head}${randomBase62(20)}`;
    if (!id.includes(userId)) return id;
  }
}

/** Handlers of the REST operations in `usersRoutes`. */
export const usersHandlers: ApiHandlerGroup<keyof typeof usersRoutes> = {
  async revokeSessions({ params }, ctx) {
    const { server } = ctx;
    const revokedAt = await server.store.revokeSessions(params.userId);
    await endLiveSessions(server, params.userId);
    server.auditor.record({ action: 'user.sessions_revoked', actorId: ctx.actorId, target: params.userId, ip: ctx.ip, details: { revokedAt } });
    return { userId: params.userId, revokedAt };
  },

  async exportUser({ params }, ctx) {
    const { server } = ctx;
    const data = await server.store.exportUserData(params.userId, { items: EXPORT_MAX_ITEMS, files: EXPORT_MAX_FILES });
    if (!data) throw new PlazaError(ErrorCode.USER_NOT_FOUND, `no user ${params.userId}`);
    const key = deriveUrlKey(server.apiKeys);
    const exp = Math.floor(Date.now() / 1000) + EXPORT_URL_TTL_SEC;
    const urlExpiresAt = new Date(exp * 1000).toISOString();
    const url = (fileId: string, variant: 'original' | 'thumbnail') =>
      `${ctx.baseUrl}${signFileUrl(key, { fileId, variant, exp, uid: params.userId, scope: 'export' })}`;
    server.auditor.record({
      action: 'user.exported',
      actorId: ctx.actorId,
      target: params.userId,
      ip: ctx.ip,
      details: { messages: data.messages.data.length, files: data.files.data.length },
    });
    return {
      exportedAt: new Date().toISOString(),
      ...data,
      files: {
        truncated: data.files.truncated,
        data: data.files.data.map((f) => ({
          id: f.fileId,
          conversationId: f.conversationId,
          name: f.name,
          size: f.size,
          mimeType: f.mimeType,
          sha256: f.sha256,
          width: f.image?.width ?? null,
          height: f.image?.height ?? null,
          createdAt: f.createdAt,
          downloadUrl: url(f.fileId, 'original'),
          thumbnailUrl: f.thumbnailMime === null ? null : url(f.fileId, 'thumbnail'),
          urlExpiresAt,
        })),
      },
    };
  },

  async eraseUser({ params }, ctx) {
    const { server } = ctx;
    const { userId } = params;
    if ((await server.store.getUsers([userId])).length === 0) throw new PlazaError(ErrorCode.USER_NOT_FOUND, 'no such user (unknown or erased already)');
    // Live parts first, and their audit records written, so the erasure below rewrites them too.
    await endLiveSessions(server, userId);
    const uploads = await deleteUnfinishedUploads(server, userId);
    await server.auditor.flush();
    const pseudonym = randomIdWithout('erased-', userId);
    const erasureId = randomIdWithout('er_', userId);
    const outcome = await server.store.eraseUser(userId, { pseudonym, erasureId });
    // The time of the user.erased event, so the answer and the event agree.
    const { erasedAt } = outcome;
    // A connection accepted while the erasure ran would outlive it.
    server.io.in(userRoom(userId)).disconnectSockets(true);
    await server.files.deleteBytes(outcome.releasedFiles);
    for (const message of outcome.changedMessages) server.io.to(conversationRoom(message.conversationId)).emit('message:updated', message);
    for (const { conversationId, member } of outcome.removedMembers) await announceMembers(server, conversationId, [member], 'removed');
    for (const { conversationId, member } of outcome.promoted) await announceMembers(server, conversationId, [member], 'role');
    const counts = { ...outcome.counts, uploads };
    server.auditor.record({ action: 'user.erased', actorId: ctx.actorId, target: erasureId, ip: ctx.ip, details: { pseudonym, counts } });
    ctx.logger.info({ erasureId, counts }, 'user erased');
    return { erasureId, pseudonym, erasedAt, counts };
  },

  async setRetention({ params, body }, ctx) {
    const retentionSeconds = await ctx.server.store.setRetention(params.conversationId, body.seconds);
    return { conversationId: params.conversationId, retentionSeconds };
  },

  async getRetention({ params }, ctx) {
    const retentionSeconds = await ctx.server.store.getRetention(params.conversationId);
    return { conversationId: params.conversationId, retentionSeconds };
  },
};
