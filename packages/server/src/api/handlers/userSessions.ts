import { UPLOADER_KEY } from '../../files/FileService.js';
import type { SignalingContext } from '../../signaling/context.js';
import { userRoom } from '../../signaling/context.js';

/**
 * Ends everything live of `userId` on this server at once: every socket of theirs is
 * disconnected (on every node, through the adapter; a server-side disconnect leaves no session to
 * recover) and their call participants on this node leave at once instead of waiting out the
 * rejoin grace period. Participants in calls held by other nodes leave when their grace runs out.
 *
 * @param server - the signaling context
 * @param userId - whose sessions end
 */
export async function endLiveSessions(server: SignalingContext, userId: string): Promise<void> {
  server.io.in(userRoom(userId)).disconnectSockets(true);
  for (const conversationId of await server.store.conversationIdsOf(userId)) {
    await server.calls.memberRemoved(conversationId, userId, 'removed');
  }
}

/**
 * Deletes `userId`'s unfinished uploads (their partial bytes and tus records) and releases the
 * quota they held.
 *
 * @returns how many uploads were deleted
 */
export async function deleteUnfinishedUploads(server: SignalingContext, userId: string): Promise<number> {
  const uploads = server.files.uploads;
  const ids = (await uploads.configstore.list?.()) ?? [];
  let deleted = 0;
  for (const id of ids) {
    const upload = await uploads.getUpload(id).catch(() => null);
    if (upload?.metadata?.[UPLOADER_KEY] !== userId) continue;
    await uploads.remove(id);
    deleted += 1;
  }
  return deleted;
}
