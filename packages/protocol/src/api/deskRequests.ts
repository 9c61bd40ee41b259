import { z } from 'zod';
import { deskNoteSchema, deskSlugSchema } from '../desk.js';
import { idSchema, userIdSchema } from '../fields.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

/*
 * Citizen requests for the city's backend (a CRM): list and read them with their history,
 * transfer and resolve them as an agent would.
 */

const iso = () => z.string().describe('ISO 8601 timestamp, UTC');
const statusSchema = z.enum(['queued', 'claimed', 'on_hold', 'resolved']);
const changeSchema = z.enum(['opened', 'claimed', 'transferred', 'on_hold', 'resumed', 'resolved', 'reopened', 'sla_missed']);

/** Where a reported problem is (`RequestLocation`). */
export const requestLocationOutputSchema = z
  .object({
    lat: z.number().describe('Latitude, WGS 84'),
    lng: z.number().describe('Longitude, WGS 84'),
    address: z.string().optional().describe('A human-readable address or description of the place'),
  })
  .describe('Where the reported problem is');

/** A citizen's request (`CitizenRequest`). */
export const citizenRequestSchema = z
  .object({
    conversationId: z.string().describe('The request\'s conversation (kind `request`): one request, one conversation'),
    topicId: z.string(),
    departmentId: z.string().describe('The department whose queue holds it now (changes on transfer)'),
    citizenId: z.string().describe('The citizen who opened it'),
    status: statusSchema,
    assigneeId: z.string().nullable().describe('The agent working on it, or `null` while queued'),
    description: z.string().describe('What the citizen wrote when opening it'),
    location: requestLocationOutputSchema.nullable(),
    externalRef: z.string().nullable().describe('The conversation\'s external reference (for example a CRM case id)'),
    transferNote: z.string().nullable().describe('The latest transfer note (for agents; never posted in the conversation)'),
    resolution: z.string().nullable(),
    createdAt: iso(),
    updatedAt: iso(),
    firstResponseAt: iso().nullable().describe('When an agent first wrote in the conversation'),
    slaDueAt: iso().nullable().describe('When the first-response SLA runs out (`null` without an SLA or once answered)'),
    slaMissed: z.boolean(),
    resolvedAt: iso().nullable(),
  })
  .describe('A citizen request: the desk\'s view of a conversation of kind `request`');

/** One entry of a request's history. */
export const requestHistoryEntrySchema = z
  .object({
    change: changeSchema,
    actorId: z.string().nullable().describe('Who made it: a user id, `api:<key>`, or `null` for the server (an SLA miss)'),
    fromDepartmentId: z.string().nullable(),
    toDepartmentId: z.string().nullable(),
    note: z.string().nullable().describe('The transfer or hold note, the resolution, or the reason of a reopen'),
    at: iso(),
  })
  .describe('One change in a request\'s life');

/** A request with its history, oldest change first. */
export const citizenRequestWithHistorySchema = citizenRequestSchema
  .extend({ history: z.array(requestHistoryEntrySchema).describe('Every change, oldest first') })
  .describe('A citizen request with its history');

const requestParams = z.strictObject({ conversationId: idSchema });

/** REST operations: citizen requests. */
export const deskRequestsRoutes = {
  listRequests: defineRoute({
    operationId: 'listRequests',
    method: 'GET',
    path: '/v1/requests',
    tag: 'Requests',
    summary: 'List citizen requests',
    description:
      'Requests matching every filter given, newest opened first. `externalRef` finds the request of a CRM case.\n\n' +
      'Errors: `INVALID_REQUEST` (also for a cursor this list did not hand out).',
    query: z.strictObject({
      departmentId: deskSlugSchema.optional(),
      status: statusSchema.optional(),
      citizenId: userIdSchema.optional(),
      externalRef: z.string().min(1).max(200).optional(),
      limit: pageLimitSchema,
      cursor: cursorSchema.optional(),
    }),
    status: 200,
    response: pageOf(citizenRequestSchema),
  }),
  getRequest: defineRoute({
    operationId: 'getRequest',
    method: 'GET',
    path: '/v1/requests/{conversationId}',
    tag: 'Requests',
    summary: 'Get a request with its history',
    description: 'The request and every change of it (opened, claimed, transferred with its note, …), oldest first. Errors: `REQUEST_NOT_FOUND`.',
    params: requestParams,
    status: 200,
    response: citizenRequestWithHistorySchema,
  }),
  transferRequest: defineRoute({
    operationId: 'transferRequest',
    method: 'POST',
    path: '/v1/requests/{conversationId}/transfer',
    tag: 'Requests',
    summary: 'Transfer a request to another department',
    description:
      'Moves an open request to `departmentId`\'s queue (unassigned; its assignee leaves the conversation) with `note` for the ' +
      'agents (kept in `transferNote`, never posted); the citizen is told where it went. Its first-response SLA starts again ' +
      'with the new department. Same live effects, event (`request.transferred`) and audit as an agent\'s transfer, by `api:<key>`.\n\n' +
      'Errors: `INVALID_REQUEST`, `REQUEST_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `CONFLICT` (resolved, already in that department, or changed meanwhile).',
    params: requestParams,
    body: z.strictObject({ departmentId: deskSlugSchema, note: deskNoteSchema }),
    status: 200,
    response: citizenRequestSchema,
  }),
  resolveRequest: defineRoute({
    operationId: 'resolveRequest',
    method: 'POST',
    path: '/v1/requests/{conversationId}/resolve',
    tag: 'Requests',
    summary: 'Resolve a request',
    description:
      'Resolves an open request (queued, claimed or on hold); `resolution` is posted for the citizen as an agent\'s would be, ' +
      'and its SLA stops. Same live effects, event (`request.resolved`) and audit as an agent\'s resolve, by `api:<key>`.\n\n' +
      'Errors: `INVALID_REQUEST`, `REQUEST_NOT_FOUND`, `CONFLICT` (already resolved, or changed meanwhile).',
    params: requestParams,
    body: z.strictObject({ resolution: deskNoteSchema.optional() }),
    status: 200,
    response: citizenRequestSchema,
  }),
} satisfies Record<string, ApiRoute>;
