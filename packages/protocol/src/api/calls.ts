import { z } from 'zod';
import { callSummarySchema } from './entities.js';
import { defineRoute } from './route.js';
import type { ApiRoute } from './route.js';

const TAG = 'Calls';

const callIdSchema = z.string().regex(/^k_[A-Za-z0-9_-]{1,62}$/, 'expected a call id (k_…)');
const participantIdSchema = z.string().regex(/^p_[A-Za-z0-9_-]{1,62}$/, 'expected a participant id (p_…)');
const callParams = z.strictObject({ callId: callIdSchema });
const participantParams = z.strictObject({ callId: callIdSchema, participantId: participantIdSchema });

/** REST operations: Live calls. */
export const callsRoutes = {
  listCalls: defineRoute({
    operationId: 'listCalls',
    method: 'GET',
    path: '/v1/calls',
    tag: TAG,
    summary: 'List live calls',
    description: 'Every live call of this server, oldest first, with its participants in join order.\n\nErrors: `INVALID_REQUEST` (400: any query parameter).',
    query: z.strictObject({}),
    status: 200,
    response: z.object({ data: z.array(callSummarySchema) }),
  }),

  getCall: defineRoute({
    operationId: 'getCall',
    method: 'GET',
    path: '/v1/calls/{callId}',
    tag: TAG,
    summary: 'Get a live call',
    description: 'Errors: `INVALID_REQUEST` (400), `CALL_NOT_FOUND` (404: no live call with that id, for example it ended).',
    params: callParams,
    status: 200,
    response: callSummarySchema,
  }),

  endCall: defineRoute({
    operationId: 'endCall',
    method: 'DELETE',
    path: '/v1/calls/{callId}',
    tag: TAG,
    summary: 'End a call',
    description:
      'Every participant leaves at once: members receive `call:ended` (clients leave with reason `ended`), media is closed and the ' +
      'conversation gets its "call ended" system message. Audited as `call.ended`.\n\n' +
      'Errors: `INVALID_REQUEST` (400), `CALL_NOT_FOUND` (404: no live call, for example ended already).',
    params: callParams,
    status: 204,
    response: null,
  }),

  removeParticipant: defineRoute({
    operationId: 'removeParticipant',
    method: 'DELETE',
    path: '/v1/calls/{callId}/participants/{participantId}',
    tag: TAG,
    summary: 'Remove a participant from a call',
    description:
      'The participant is told it left with reason `removed`, its tracks go, the others are told; the call ends when it was the last. ' +
      'It may join again (remove the member from the conversation to keep them out). Audited as `call.removed`.\n\n' +
      'Errors: `INVALID_REQUEST` (400), `CALL_NOT_FOUND` (404), `PARTICIPANT_NOT_FOUND` (404).',
    params: participantParams,
    status: 204,
    response: null,
  }),

  muteParticipant: defineRoute({
    operationId: 'muteParticipant',
    method: 'POST',
    path: '/v1/calls/{callId}/participants/{participantId}/mute',
    tag: TAG,
    summary: "Mute a participant's source",
    description:
      'The server pauses the track; everyone receives `call:trackUpdated` with `mutedBy: "api:<apiKey>"`. Only its publisher can unmute ' +
      'it. Audited as `call.muted`.\n\n' +
      'Errors: `INVALID_REQUEST` (400), `CALL_NOT_FOUND` (404), `PARTICIPANT_NOT_FOUND` (404), `MEDIA_NOT_FOUND` (404: the participant ' +
      'does not publish that source).',
    params: participantParams,
    body: z.strictObject({ source: z.enum(['microphone', 'camera', 'screen', 'screen-audio']) }),
    status: 204,
    response: null,
  }),
} satisfies Record<string, ApiRoute>;
