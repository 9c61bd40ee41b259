import { z } from 'zod';
import { str } from '../fields.js';
import { auditRecordSchema } from './entities.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

const filter = () => str().min(1).max(200);
const instant = () => z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');

/** REST operations: The audit log. */
export const auditRoutes = {
  listAudit: defineRoute({
    operationId: 'listAudit',
    method: 'GET',
    path: '/v1/audit',
    tag: 'Audit',
    summary: 'Read the audit log',
    description:
      'Every access-control decision and admin action, newest first: who (`actorId`), what (`action`, `target`), when (`at`, UTC), ' +
      'from where (`ip`), the `outcome` and why. Never a token or message text. Filters combine; `since` is inclusive, `until` ' +
      'exclusive. Entries recorded just before the request are included.\n\n' +
      'Errors: `INVALID_REQUEST` (400, also for a cursor not from this list).',
    query: z.strictObject({
      actorId: filter().optional().describe('A user id, or `api:<apiKey>` for the REST API'),
      action: filter().optional().describe('For example `member.added`, `connection.refused`, `api.refused`'),
      target: filter().optional().describe('For example a conversation id or a user id'),
      outcome: z.enum(['allowed', 'denied']).optional(),
      since: instant().optional(),
      until: instant().optional(),
      limit: pageLimitSchema,
      cursor: cursorSchema.optional(),
    }),
    status: 200,
    response: pageOf(auditRecordSchema),
  }),
} satisfies Record<string, ApiRoute>;
