import { z } from 'zod';
import { idSchema, userIdSchema } from '../fields.js';
import { clientIdSchema, externalRefSchema, roleSchema, textSchema, titleSchema, topicSchema } from '../schemas.js';
import { conversationSchema, memberSchema, messagePageSchema, messageSchema } from './entities.js';
import { cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
import type { ApiRoute } from './route.js';

const TAG = 'Conversations';

const conversationParams = z.strictObject({ conversationId: idSchema });
const memberParams = z.strictObject({ conversationId: idSchema, userId: userIdSchema });
const newMemberSchema = z.strictObject({ userId: userIdSchema, role: roleSchema.optional().describe('Defaults to `member`') });
/** A query-string sequence number (a string on the wire). */
const seqQuery = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** REST operations: Conversations, members and messages. */
export const conversationsRoutes = {
  createConversation: defineRoute({
    operationId: 'createConversation',
    method: 'POST',
    path: '/v1/conversations',
    tag: TAG,
    summary: 'Create a group or channel',
    description:
      '`createdBy` becomes its owner; `members` join with the role given (default `member`). Members already connected are told ' +
      '(`conversation:added`) at once. Users never seen before are created with their id as name.\n\n' +
      'Errors: `INVALID_REQUEST` (400).',
    body: z.strictObject({
      kind: z.enum(['group', 'channel']),
      title: titleSchema.optional(),
      topic: topicSchema.optional(),
      externalRef: externalRefSchema.optional().describe('A reference to a record in another system, for example a CRM case id'),
      createdBy: userIdSchema.describe('The owner'),
      members: z.array(newMemberSchema).max(1000).optional(),
    }),
    status: 201,
    response: conversationSchema,
  }),

  listConversations: defineRoute({
    operationId: 'listConversations',
    method: 'GET',
    path: '/v1/conversations',
    tag: TAG,
    summary: 'List conversations',
    description:
      'Newest created first (a stable order, so pages never skip or repeat). Filters combine: `externalRef` and `topic` match exactly, ' +
      '`memberId` keeps the conversations that user belongs to.\n\nErrors: `INVALID_REQUEST` (400, also for a cursor not from this list).',
    query: z.strictObject({
      externalRef: externalRefSchema.optional(),
      topic: topicSchema.optional(),
      memberId: userIdSchema.optional(),
      limit: pageLimitSchema,
      cursor: cursorSchema.optional(),
    }),
    status: 200,
    response: pageOf(conversationSchema),
  }),

  getConversation: defineRoute({
    operationId: 'getConversation',
    method: 'GET',
    path: '/v1/conversations/{conversationId}',
    tag: TAG,
    summary: 'Get a conversation',
    description: 'Errors: `CONVERSATION_NOT_FOUND` (404).',
    params: conversationParams,
    status: 200,
    response: conversationSchema,
  }),

  updateConversation: defineRoute({
    operationId: 'updateConversation',
    method: 'PATCH',
    path: '/v1/conversations/{conversationId}',
    tag: TAG,
    summary: 'Change title, topic or external reference',
    description:
      'Fields left out stay as they are; `null` clears `topic` or `externalRef`. Connected members receive `conversation:updated`.\n\n' +
      'Errors: `INVALID_REQUEST` (400), `CONVERSATION_NOT_FOUND` (404), `CONFLICT` (409: a title for a direct conversation).',
    params: conversationParams,
    body: z.strictObject({
      title: titleSchema.optional(),
      topic: topicSchema.nullable().optional(),
      externalRef: externalRefSchema.nullable().optional(),
    }),
    status: 200,
    response: conversationSchema,
  }),

  listMembers: defineRoute({
    operationId: 'listMembers',
    method: 'GET',
    path: '/v1/conversations/{conversationId}/members',
    tag: TAG,
    summary: 'List the members',
    description: 'All members, owners first, then by join time.\n\nErrors: `CONVERSATION_NOT_FOUND` (404).',
    params: conversationParams,
    status: 200,
    response: z.object({ data: z.array(memberSchema) }),
  }),

  addMembers: defineRoute({
    operationId: 'addMembers',
    method: 'POST',
    path: '/v1/conversations/{conversationId}/members',
    tag: TAG,
    summary: 'Add members',
    description:
      'Adds the users who are not members yet (members already in keep their role) and answers those added. Each addition is audited ' +
      '(`member.added`); connected members are told at once.\n\n' +
      'Errors: `INVALID_REQUEST` (400), `CONVERSATION_NOT_FOUND` (404), `CONFLICT` (409: a direct conversation).',
    params: conversationParams,
    body: z.strictObject({ members: z.array(newMemberSchema).min(1).max(1000) }),
    status: 200,
    response: z.object({ added: z.array(memberSchema) }),
  }),

  updateMember: defineRoute({
    operationId: 'updateMember',
    method: 'PATCH',
    path: '/v1/conversations/{conversationId}/members/{userId}',
    tag: TAG,
    summary: "Change a member's role",
    description:
      'Audited as `role.changed`. Errors: `INVALID_REQUEST` (400), `NOT_A_MEMBER` (403: the user is not a member), ' +
      '`CONVERSATION_NOT_FOUND` (404), `CONFLICT` (409: the last owner cannot step down, or a direct conversation).',
    params: memberParams,
    body: z.strictObject({ role: roleSchema }),
    status: 200,
    response: memberSchema,
  }),

  removeMember: defineRoute({
    operationId: 'removeMember',
    method: 'DELETE',
    path: '/v1/conversations/{conversationId}/members/{userId}',
    tag: TAG,
    summary: 'Remove a member',
    description:
      'The user\'s connections leave the conversation (`conversation:removed` with reason `removed`) and its live call. When the last ' +
      'owner goes while others stay, the longest-standing member becomes owner. Audited as `member.removed`.\n\n' +
      'Errors: `NOT_A_MEMBER` (403: not a member, for example removed already), `CONVERSATION_NOT_FOUND` (404), `CONFLICT` (409: a direct conversation).',
    params: memberParams,
    status: 204,
    response: null,
  }),

  postMessage: defineRoute({
    operationId: 'postMessage',
    method: 'POST',
    path: '/v1/conversations/{conversationId}/messages',
    tag: TAG,
    summary: 'Post a message as the system or as a member',
    description:
      'Without `senderId` a `system` message (its `senderId` is `api:<apiKey>`); with `senderId` a user message of that member (a bot, ' +
      'say), under the same rules as a client\'s send (only owners and moderators post in channels). Stored, then sent live to connected ' +
      'members (`message:new`). The same `clientId` from the same sender again answers the first message and stores nothing.\n\n' +
      'Errors: `INVALID_REQUEST` (400: blank text), `NOT_A_MEMBER` (403: `senderId` is not a member), `FORBIDDEN_ROLE` (403), ' +
      '`CONVERSATION_NOT_FOUND` / `MESSAGE_NOT_FOUND` (404: `replyTo`), `CONFLICT` (409: a `clientId` reused with other text), ' +
      '`PAYLOAD_TOO_LARGE` (413: text above the server\'s limit).',
    params: conversationParams,
    body: z.strictObject({
      text: textSchema.describe(
        'Message text: at most {maxTextBytes} UTF-8 bytes on this server (its `maxTextBytes`; more is 413 `PAYLOAD_TOO_LARGE`), not blank, no control characters other than tab, line feed and carriage return',
      ),
      senderId: userIdSchema.optional().describe('Post as this member; without it the message is a system message'),
      clientId: clientIdSchema.optional().describe('Idempotency key: the same key from the same sender stores one message'),
      replyTo: idSchema.optional(),
      mentions: z.array(userIdSchema).max(100).optional().describe('Mentioned user ids (non-members are dropped)'),
    }),
    status: 201,
    response: messageSchema,
  }),

  listMessages: defineRoute({
    operationId: 'listMessages',
    method: 'GET',
    path: '/v1/conversations/{conversationId}/messages',
    tag: TAG,
    summary: 'Read history',
    description:
      'Messages ascending by `seq`: with `beforeSeq` the `limit` just before it, with `afterSeq` the `limit` just after it, with neither ' +
      'the latest. Deleted messages are tombstones without text.\n\n' +
      'Errors: `INVALID_REQUEST` (400, also for `beforeSeq` with `afterSeq`), `CONVERSATION_NOT_FOUND` (404).',
    params: conversationParams,
    query: z.strictObject({ beforeSeq: seqQuery.optional(), afterSeq: seqQuery.optional(), limit: pageLimitSchema }),
    status: 200,
    response: messagePageSchema,
  }),
} satisfies Record<string, ApiRoute>;
