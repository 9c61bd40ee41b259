import { z } from 'zod';

/*
 * Response schemas of the REST API for the entities of the wire protocol. They mirror the
 * TypeScript interfaces in `entities.ts` and `calls.ts` (a type-level test keeps them in step) and
 * become the response schemas of the OpenAPI document and the output types of `PlazaApi`.
 */

const iso = () => z.string().describe('ISO 8601 timestamp, UTC');

/** A conversation (`Conversation`). */
export const conversationSchema = z
  .object({
    id: z.string().describe('Server-generated id, `c_…`'),
    kind: z.enum(['direct', 'group', 'channel', 'request']),
    title: z.string().nullable(),
    topic: z.string().nullable(),
    externalRef: z.string().nullable().describe('Reference to a record in another system, for example a CRM case id'),
    createdBy: z.string(),
    createdAt: iso(),
    lastSeq: z.number().int().describe('Highest message seq assigned so far (0 when empty)'),
    lastRev: z.number().int().describe('Highest change revision so far'),
    memberCount: z.number().int(),
  })
  .describe('A conversation');

/** A member of a conversation (`Member`). */
export const memberSchema = z
  .object({
    userId: z.string(),
    name: z.string().describe('Display name as last seen by the server'),
    role: z.enum(['owner', 'moderator', 'member']),
    lastReadSeq: z.number().int(),
    joinedAt: iso(),
  })
  .describe('A member of a conversation');

/** All users who reacted with one emoji (`Reaction`). */
export const reactionSchema = z.object({ emoji: z.string(), userIds: z.array(z.string()) }).describe('Everyone who reacted with one emoji');

/** A file attached to a message (`Attachment`). */
export const attachmentSchema = z
  .object({
    fileId: z.string(),
    name: z.string(),
    size: z.number().int(),
    mimeType: z.string(),
    sha256: z.string(),
    image: z.object({ width: z.number().int(), height: z.number().int(), hasThumbnail: z.boolean() }).nullable(),
  })
  .describe('A file attached to a message');

/** A message (`Message`). */
export const messageSchema = z
  .object({
    id: z.string().describe('Server-generated id, `m_…`'),
    conversationId: z.string(),
    seq: z.number().int().describe('Per-conversation sequence number: gapless, from 1'),
    rev: z.number().int(),
    clientId: z.string().nullable().describe('Idempotency key chosen by the sender'),
    senderId: z.string().describe('Author; for system messages posted through the API, `api:<apiKey>`'),
    kind: z.enum(['user', 'system']),
    text: z.string().describe('Empty once deleted'),
    replyTo: z.string().nullable(),
    mentions: z.array(z.string()),
    reactions: z.array(reactionSchema),
    createdAt: iso(),
    editedAt: iso().nullable(),
    deletedAt: iso().nullable(),
    attachments: z.array(attachmentSchema),
  })
  .describe('A message');

/** A page of history: messages ascending by `seq`, and whether more exist in the direction asked for. */
export const messagePageSchema = z.object({
  data: z.array(messageSchema).describe('Ascending by seq'),
  hasMore: z.boolean().describe('Whether more messages exist beyond this page in the direction asked for'),
});

/** A track published in a call (`CallTrack`). */
export const callTrackSchema = z
  .object({
    id: z.string(),
    source: z.enum(['camera', 'microphone', 'screen', 'screen-audio']),
    kind: z.enum(['audio', 'video']),
    muted: z.boolean(),
    layers: z.number().int(),
  })
  .describe('A published track');

/** One device of a user in a call (`CallParticipant`). */
export const callParticipantSchema = z
  .object({
    id: z.string().describe('Participant id, `p_…`'),
    userId: z.string(),
    name: z.string(),
    joinedAt: iso(),
    tracks: z.array(callTrackSchema),
    dataProducerId: z.string().optional(),
  })
  .describe('One device of a user in a call');

/** A live call (`CallInfo`). */
export const callSummarySchema = z
  .object({
    id: z.string().describe('Call id, `k_…`'),
    conversationId: z.string(),
    startedBy: z.string(),
    startedAt: iso(),
    participants: z.array(callParticipantSchema).describe('In join order'),
  })
  .describe('A live call');

/** One record of the audit log. Never holds a token or message text. */
export const auditRecordSchema = z
  .object({
    id: z.number().int(),
    at: iso(),
    action: z.string().describe('What happened, for example `member.added`, `connection.refused`, `api.createConversation`'),
    actorId: z.string().nullable().describe('Who: a user id, `api:<apiKey>`, or null when unknown'),
    target: z.string().nullable().describe('What it was done to, for example a conversation id'),
    outcome: z.enum(['allowed', 'denied']),
    reason: z.string().nullable().describe('Why, for a denial: an error code or a short reason'),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .describe('One audit record');

/** The shape of one audit record. */
export type AuditRecordOutput = z.output<typeof auditRecordSchema>;
