import type { HandlerMap } from './types.js';

/** Handler of `session:hello`: who the server thinks the caller is, their grants and the limits. */
export const sessionHandlers: Pick<HandlerMap, 'session:hello'> = {
  async 'session:hello'(ctx) {
    const { limits } = ctx.server;
    return {
      user: ctx.user,
      grants: ctx.grants,
      protocolVersion: ctx.socket.data.protocolVersion,
      serverVersion: ctx.server.serverVersion,
      limits: {
        maxTextBytes: limits.maxTextBytes,
        maxPacketBytes: limits.maxPacketBytes,
        maxPageSize: limits.maxPageSize,
        maxFileBytes: limits.maxFileBytes,
        userQuotaBytes: limits.userQuotaBytes,
        allowedFileTypes: [...limits.allowedFileTypes],
        uploadPath: limits.uploadPath,
      },
      serverTime: new Date().toISOString(),
    };
  },
};
