import { ErrorCode } from '@plaza/protocol';
import type { deskRequestsRoutes } from '@plaza/protocol';
import { resolveRequest, transferRequest } from '../../desk/requestService.js';
import type { DeskActor } from '../../desk/requestService.js';
import { PlazaError } from '../../errors.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

/** The API key as a desk actor: it may do what any agent may. */
function actorOf(ctx: ApiContext): DeskActor {
  return { actorId: ctx.actorId, ip: ctx.ip, trusted: true };
}

/** Handlers of the REST operations in `deskRequestsRoutes` (the rules live in `desk/requestService`). */
export const deskRequestsHandlers: ApiHandlerGroup<keyof typeof deskRequestsRoutes> = {
  async listRequests({ query }, ctx) {
    const page = await ctx.server.store.requests.list({
      limit: query.limit,
      ...(query.departmentId !== undefined ? { departmentId: query.departmentId } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.citizenId !== undefined ? { citizenId: query.citizenId } : {}),
      ...(query.externalRef !== undefined ? { externalRef: query.externalRef } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { data: page.items, nextCursor: page.nextCursor };
  },

  async getRequest({ params }, ctx) {
    const request = await ctx.server.store.requests.get(params.conversationId);
    if (!request) throw new PlazaError(ErrorCode.REQUEST_NOT_FOUND, `no request ${params.conversationId}`);
    return { ...request, history: await ctx.server.store.requests.history(params.conversationId) };
  },

  async transferRequest({ params, body }, ctx) {
    return transferRequest(ctx.server, actorOf(ctx), params.conversationId, body.departmentId, body.note);
  },

  async resolveRequest({ params, body }, ctx) {
    return resolveRequest(ctx.server, actorOf(ctx), params.conversationId, body.resolution);
  },
};
