import {
  claimRequest,
  getRequestFor,
  holdRequest,
  listMine,
  listQueue,
  openRequest,
  reopenRequest,
  resolveRequest,
  resumeRequest,
  transferRequest,
} from '../../desk/requestService.js';
import type { DeskActor } from '../../desk/requestService.js';
import type { RequestContext } from '../context.js';
import type { HandlerMap } from './types.js';

/** The caller as a desk actor (their permissions are checked). */
function actor(ctx: RequestContext): DeskActor {
  return { actorId: ctx.user.id, ip: ctx.ip, trusted: false };
}

/** Handlers of citizen requests and department queues (the rules live in `desk/requestService`). */
export const deskRequestHandlers: Pick<
  HandlerMap,
  | 'request:open'
  | 'request:get'
  | 'request:mine'
  | 'queue:list'
  | 'request:claim'
  | 'request:transfer'
  | 'request:hold'
  | 'request:resume'
  | 'request:resolve'
  | 'request:reopen'
> = {
  async 'request:open'(ctx, req) {
    const { request } = await openRequest(ctx.server, actor(ctx), {
      topicId: req.topicId,
      description: req.description,
      location: req.location,
      clientId: req.clientId,
    });
    return request;
  },

  async 'request:get'(ctx, req) {
    return getRequestFor(ctx.server, ctx.user.id, req.conversationId);
  },

  async 'request:mine'(ctx, req) {
    return listMine(ctx.server, ctx.user.id, req.status);
  },

  async 'queue:list'(ctx, req) {
    return listQueue(ctx.server, ctx.user.id, req.departmentId, req.view ?? 'waiting');
  },

  async 'request:claim'(ctx, req) {
    return claimRequest(ctx.server, actor(ctx), req.conversationId);
  },

  async 'request:transfer'(ctx, req) {
    return transferRequest(ctx.server, actor(ctx), req.conversationId, req.departmentId, req.note);
  },

  async 'request:hold'(ctx, req) {
    return holdRequest(ctx.server, actor(ctx), req.conversationId, req.note);
  },

  async 'request:resume'(ctx, req) {
    return resumeRequest(ctx.server, actor(ctx), req.conversationId);
  },

  async 'request:resolve'(ctx, req) {
    return resolveRequest(ctx.server, actor(ctx), req.conversationId, req.resolution);
  },

  async 'request:reopen'(ctx, req) {
    return reopenRequest(ctx.server, actor(ctx), req.conversationId, req.reason);
  },
};
