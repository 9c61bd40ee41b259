import { ErrorCode } from '@plaza/protocol';
import type { deskRoutes } from '@plaza/protocol';
import { PlazaError } from '../../errors.js';
import { departmentRoom, userRoom } from '../../signaling/context.js';
import type { ApiContext, ApiHandlerGroup } from '../context.js';

function departmentNotFound(departmentId: string): PlazaError {
  return new PlazaError(ErrorCode.DEPARTMENT_NOT_FOUND, `no department ${departmentId}`);
}

/**
 * Agent changes take effect on connected devices at once: every socket of the user joins (or
 * leaves) the department's room, so queue events reach them without a reconnect. Audited with the
 * caller as actor.
 */
function agentsChanged(ctx: ApiContext, departmentId: string, userIds: readonly string[], change: 'added' | 'removed'): void {
  const room = departmentRoom(departmentId);
  for (const userId of userIds) {
    if (change === 'added') ctx.server.io.in(userRoom(userId)).socketsJoin(room);
    else ctx.server.io.in(userRoom(userId)).socketsLeave(room);
    ctx.server.auditor.record({ action: `department.agent_${change}`, actorId: ctx.actorId, target: departmentId, ip: ctx.ip, details: { userId } });
  }
}

/** Handlers of the REST operations in `deskRoutes` (departments, agents, topics). */
export const deskHandlers: ApiHandlerGroup<keyof typeof deskRoutes> = {
  async createDepartment({ body }, ctx) {
    const department = await ctx.server.store.directory.createDepartment({
      id: body.id,
      name: body.name,
      description: body.description ?? null,
      openingHours: body.openingHours ?? null,
      firstResponseSlaSec: body.firstResponseSlaSec ?? null,
      agentIds: body.agentIds ?? [],
    });
    agentsChanged(ctx, department.id, department.agentIds, 'added');
    ctx.logger.info({ departmentId: department.id, agents: department.agentIds.length }, 'department created');
    return department;
  },

  async listDepartments({ query }, ctx) {
    const page = await ctx.server.store.directory.listDepartments({ limit: query.limit, ...(query.cursor !== undefined ? { after: query.cursor } : {}) });
    return { data: page.items, nextCursor: page.next };
  },

  async getDepartment({ params }, ctx) {
    const department = await ctx.server.store.directory.getDepartment(params.departmentId);
    if (!department) throw departmentNotFound(params.departmentId);
    return department;
  },

  async updateDepartment({ params, body }, ctx) {
    return ctx.server.store.directory.updateDepartment(params.departmentId, body);
  },

  async deleteDepartment({ params }, ctx) {
    const agents = (await ctx.server.store.directory.getDepartment(params.departmentId))?.agentIds ?? [];
    if (!(await ctx.server.store.directory.deleteDepartment(params.departmentId))) throw departmentNotFound(params.departmentId);
    // Nobody is an agent of it any more: empty its room.
    ctx.server.io.in(departmentRoom(params.departmentId)).socketsLeave(departmentRoom(params.departmentId));
    ctx.logger.info({ departmentId: params.departmentId, agents: agents.length }, 'department deleted');
    return undefined;
  },

  async addAgents({ params, body }, ctx) {
    const added = await ctx.server.store.directory.addAgents(params.departmentId, body.userIds);
    agentsChanged(ctx, params.departmentId, added, 'added');
    const department = await ctx.server.store.directory.getDepartment(params.departmentId);
    if (!department) throw departmentNotFound(params.departmentId);
    return { added, department };
  },

  async removeAgent({ params }, ctx) {
    if (await ctx.server.store.directory.removeAgent(params.departmentId, params.userId)) {
      agentsChanged(ctx, params.departmentId, [params.userId], 'removed');
    }
    return undefined;
  },

  async createTopic({ body }, ctx) {
    const topic = await ctx.server.store.directory.createTopic({
      id: body.id,
      name: body.name,
      description: body.description ?? null,
      departmentId: body.departmentId,
    });
    ctx.logger.info({ topicId: topic.id, departmentId: topic.departmentId }, 'topic created');
    return topic;
  },

  async listTopics({ query }, ctx) {
    const page = await ctx.server.store.directory.listTopics({
      limit: query.limit,
      ...(query.cursor !== undefined ? { after: query.cursor } : {}),
      ...(query.departmentId !== undefined ? { departmentId: query.departmentId } : {}),
    });
    return { data: page.items, nextCursor: page.next };
  },

  async getTopic({ params }, ctx) {
    const topic = await ctx.server.store.directory.getTopic(params.topicId);
    if (!topic) throw new PlazaError(ErrorCode.TOPIC_NOT_FOUND, `no topic ${params.topicId}`);
    return topic;
  },

  async updateTopic({ params, body }, ctx) {
    return ctx.server.store.directory.updateTopic(params.topicId, body);
  },

  async deleteTopic({ params }, ctx) {
    if (!(await ctx.server.store.directory.deleteTopic(params.topicId))) {
      throw new PlazaError(ErrorCode.TOPIC_NOT_FOUND, `no topic ${params.topicId}`);
    }
    return undefined;
  },
};
