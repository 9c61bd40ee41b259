import type { auditRoutes } from '@plaza/protocol';
import { parseAuditCursor } from '../../storage/adminQueries.js';
import type { AuditQuery } from '../../storage/ChatStore.js';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `auditRoutes`. */
export const auditHandlers: ApiHandlerGroup<keyof typeof auditRoutes> = {
  async listAudit({ query }, ctx) {
    // Records are written in small batches: include those recorded before this request.
    await ctx.server.auditor.flush();
    const filters: AuditQuery = { limit: query.limit + 1 };
    if (query.cursor !== undefined) filters.beforeId = parseAuditCursor(query.cursor);
    if (query.actorId !== undefined) filters.actorId = query.actorId;
    if (query.action !== undefined) filters.action = query.action;
    if (query.target !== undefined) filters.target = query.target;
    if (query.outcome !== undefined) filters.outcome = query.outcome;
    if (query.since !== undefined) filters.since = query.since;
    if (query.until !== undefined) filters.until = query.until;
    const rows = await ctx.server.store.listAudit(filters);
    const data = rows.slice(0, query.limit);
    const last = data[data.length - 1];
    return { data, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
  },
};
