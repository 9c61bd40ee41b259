import type { HandlerMap } from './types.js';

/** Handlers of the desk's directory requests: what citizens can report, where agents work. */
export const deskDirectoryHandlers: Pick<HandlerMap, 'desk:topics' | 'desk:myDepartments'> = {
  /** Every topic, by id (any signed-in user: citizens pick one when they report). */
  async 'desk:topics'(ctx) {
    return (await ctx.server.store.directory.listTopics()).items;
  },

  /** The departments the caller is an agent of, by id (empty for everyone else). */
  async 'desk:myDepartments'(ctx) {
    return ctx.server.store.directory.departmentsOfAgent(ctx.user.id);
  },
};
