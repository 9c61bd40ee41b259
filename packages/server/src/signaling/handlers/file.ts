import { ErrorCode } from '@plaza/protocol';
import type { FileInfo } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import type { StoredFile } from '../../storage/FileRecords.js';
import type { RequestContext } from '../context.js';
import type { HandlerMap } from './types.js';

/**
 * A file the caller may see: it exists and the caller is a member of its conversation (as for
 * messages, administrators too must be members). Anything else is `FILE_NOT_FOUND`, so ids of other conversations' files reveal nothing.
 */
async function requireVisibleFile(ctx: RequestContext, fileId: string): Promise<StoredFile> {
  const file = await ctx.server.store.getFile(fileId);
  const visible = file !== null && (await ctx.server.store.getMembership(file.conversationId, ctx.user.id)) !== null;
  if (!file || !visible) throw new PlazaError(ErrorCode.FILE_NOT_FOUND, `no file ${fileId} in your conversations`);
  return file;
}

function toFileInfo(file: StoredFile): FileInfo {
  const { storageKey: _key, thumbnailMime: _thumb, ...info } = file;
  return info;
}

/** Handlers of `file:get` (facts about a stored file) and `file:url` (a short-lived signed download URL). */
export const fileHandlers: Pick<HandlerMap, 'file:get' | 'file:url'> = {
  async 'file:get'(ctx, req) {
    return toFileInfo(await requireVisibleFile(ctx, req.fileId));
  },
  async 'file:url'(ctx, req) {
    const file = await requireVisibleFile(ctx, req.fileId);
    return ctx.server.files.signUrl(file, req.variant ?? 'original', ctx.user.id);
  },
};
