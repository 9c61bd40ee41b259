import { z } from 'zod';
import { idSchema, userIdSchema } from '../fields.js';
import { citizenRequestSchema, requestHistoryEntrySchema, requestLocationOutputSchema } from './deskRequests.js';
import { defineRoute } from './route.js';
import type { ApiRoute } from './route.js';

/** Most messages, reactions and audit records one export holds (each list says when it was cut). */
export const EXPORT_MAX_ITEMS = 50_000;
/** Most files one export lists (each with its own signed download URL). */
export const EXPORT_MAX_FILES = 10_000;
/** Shortest retention period, in seconds. */
export const MIN_RETENTION_SECONDS = 60;
/** Longest retention period, in seconds (100 years). */
export const MAX_RETENTION_SECONDS = 100 * 365 * 86_400;

const userParams = z.strictObject({ userId: userIdSchema });
const conversationParams = z.strictObject({ conversationId: idSchema });
/** These operations take no query parameters: unknown ones are refused, not ignored. */
const noQuery = z.strictObject({});
const iso = z.string().describe('ISO 8601 UTC timestamp');

/** One entry of an export's list and whether the list was cut at its cap. */
const capped = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    /** `true` when the list reached its cap and older entries were left out. */
    truncated: z.boolean(),
  });

/** The citizen desk's part of an export. */
const deskExportSchema = z
  .object({
    requests: capped(
      z.object({
        conversationId: z.string(),
        topicId: z.string(),
        departmentId: z.string(),
        status: citizenRequestSchema.shape.status,
        description: z.string(),
        location: requestLocationOutputSchema.nullable(),
        externalRef: z.string().nullable(),
        resolution: z.string().nullable(),
        createdAt: iso,
        updatedAt: iso,
        resolvedAt: iso.nullable(),
        history: z.array(requestHistoryEntrySchema).describe('Every change, oldest first'),
      }),
    ).describe('Requests the user opened as citizen'),
    handledRequests: capped(
      z.object({
        conversationId: z.string(),
        departmentId: z.string(),
        status: citizenRequestSchema.shape.status,
        assigned: z.boolean().describe('Whether the user is its assignee now'),
        createdAt: iso,
        updatedAt: iso,
        resolvedAt: iso.nullable(),
        changes: z
          .array(z.object({ change: requestHistoryEntrySchema.shape.change, note: z.string().nullable(), at: iso }))
          .describe('The changes the user made, oldest first'),
      }),
    ).describe("Other people's requests the user handled as agent (assignee now, or a change they made)"),
    departments: z.array(z.object({ departmentId: z.string(), name: z.string(), addedAt: iso })).describe('Departments the user is an agent of'),
    alertAcknowledgements: capped(
      z.object({ alertId: z.string(), channelId: z.string(), title: z.string(), severity: z.string(), alertCreatedAt: iso, at: iso }),
    ).describe('Alerts the user acknowledged'),
  })
  .describe('The citizen desk');

/** What `GET /v1/users/{userId}/export` answers. */
export const userExportSchema = z.object({
  exportedAt: iso,
  user: z.object({
    id: z.string(),
    name: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    createdAt: iso,
    updatedAt: iso,
    sessionsRevokedAt: iso.nullable(),
  }),
  memberships: z.array(
    z.object({
      conversationId: z.string(),
      kind: z.string(),
      title: z.string().nullable(),
      role: z.string(),
      joinedAt: iso,
    }),
  ),
  messages: capped(
    z.object({
      conversationId: z.string(),
      id: z.string(),
      seq: z.number().int(),
      kind: z.string(),
      text: z.string(),
      replyTo: z.string().nullable(),
      mentions: z.array(z.string()),
      createdAt: iso,
      editedAt: iso.nullable(),
      deletedAt: iso.nullable(),
      /** Ids of the files attached, in order (see `files`). */
      attachments: z.array(z.string()),
    }),
  ),
  reactions: capped(
    z.object({
      conversationId: z.string(),
      messageId: z.string(),
      emoji: z.string(),
      createdAt: iso,
    }),
  ),
  files: capped(
    z.object({
      id: z.string(),
      conversationId: z.string(),
      name: z.string(),
      size: z.number().int(),
      mimeType: z.string(),
      sha256: z.string(),
      width: z.number().int().nullable(),
      height: z.number().int().nullable(),
      createdAt: iso,
      /** Absolute URL of the bytes, valid until `urlExpiresAt`, for this export only. */
      downloadUrl: z.string(),
      /** Absolute URL of the thumbnail, or `null` when there is none. */
      thumbnailUrl: z.string().nullable(),
      urlExpiresAt: iso,
    }),
  ),
  audit: capped(
    z.object({
      id: z.number().int(),
      at: iso,
      action: z.string(),
      actorId: z.string().nullable(),
      target: z.string().nullable(),
      outcome: z.string(),
      reason: z.string().nullable(),
      ip: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  desk: deskExportSchema,
});

/** What `DELETE /v1/users/{userId}` answers: what the erasure removed or anonymised. */
export const userErasureSchema = z.object({
  /** Names this erasure in the audit log (`user.erased`) and in the `user.erased` event. */
  erasureId: z.string(),
  /** The id that replaced the user's where a record had to stay (message tombstones, audit records). */
  pseudonym: z.string(),
  erasedAt: iso,
  counts: z.object({
    /** Messages the user sent, now tombstones. */
    messages: z.number().int(),
    /** The user's reactions, deleted. */
    reactions: z.number().int(),
    /** Memberships, deleted. */
    memberships: z.number().int(),
    /** Members promoted to owner because the user was a conversation's last owner. */
    ownersPromoted: z.number().int(),
    /** Files the user uploaded, deleted with their bytes and thumbnails. */
    files: z.number().int(),
    /** Unfinished uploads of the user, deleted. */
    uploads: z.number().int(),
    /** Other messages whose mention of the user was removed. */
    mentions: z.number().int(),
    /** Audit records whose actor, target or details named the user, anonymised. */
    auditRecords: z.number().int(),
    /** Outbox events that named the user, anonymised. */
    outboxEvents: z.number().int(),
    /** Citizen desk requests the user opened: description and location removed, citizen replaced by the pseudonym. */
    requests: z.number().int(),
    /** Requests assigned to the user, now to the pseudonym (they stay claimed: move them on with transferRequest or resolveRequest). */
    requestsAssigned: z.number().int(),
    /** Entries of requests' histories the user made, now under the pseudonym (a citizen's reopen reasons removed). */
    requestEvents: z.number().int(),
    /** Agent memberships of departments, deleted. */
    departments: z.number().int(),
    /** Acknowledgements of alerts, now under the pseudonym (the alert stays acknowledged). */
    alertAcknowledgements: z.number().int(),
  }),
});

const retentionSchema = z.object({
  conversationId: z.string(),
  /** Messages older than this many seconds are deleted with their files; `null` keeps them. */
  retentionSeconds: z.number().int().nullable(),
});

/** REST operations: Users (sessions, export, erasure) and retention. */
export const usersRoutes = {
  revokeSessions: defineRoute({
    operationId: 'revokeSessions',
    method: 'POST',
    path: '/v1/users/{userId}/sessions/revoke',
    tag: 'Users',
    summary: "Revoke a user's sessions",
    description: [
      'Every live connection of the user closes at once (on every node) and their call participations end.',
      'From now on every access token issued at or before this moment (its `iat`, whole seconds) is refused with',
      '`TOKEN_REVOKED` on connect, reconnect, session recovery and file uploads; a token minted after it works.',
      'A user the server has never seen is recorded, so their older tokens are refused too. Writes the',
      '`user.sessions_revoked` event. Errors: `400 INVALID_REQUEST` (bad user id, a body), `401 UNAUTHENTICATED`.',
    ].join(' '),
    params: userParams,
    query: noQuery,
    status: 200,
    response: z.object({ userId: z.string(), revokedAt: iso }),
  }),
  exportUser: defineRoute({
    operationId: 'exportUser',
    method: 'GET',
    path: '/v1/users/{userId}/export',
    tag: 'Users',
    summary: "Export a user's data",
    description: [
      'One JSON document: the profile, memberships, every message the user sent (with tombstones), their reactions,',
      'the files they uploaded (each with download URLs valid for about an hour that work without membership,',
      'for this export only), the audit records where they are actor or target, and their citizen desk data',
      '(`desk`: requests they opened with their history, requests they handled as agent, the departments they are',
      'an agent of, the alerts they acknowledged). Lists are capped',
      `(${EXPORT_MAX_ITEMS} messages, reactions, audit records, requests and acknowledgements, newest kept; ${EXPORT_MAX_FILES} files)`,
      'and say `truncated: true` when cut. Audit records are newest first (as `listAudit` answers them); the other lists',
      'oldest first. Audited as `user.exported`. Errors: `400 INVALID_REQUEST`,',
      '`401 UNAUTHENTICATED`, `404 USER_NOT_FOUND`.',
    ].join(' '),
    params: userParams,
    query: noQuery,
    status: 200,
    response: userExportSchema,
  }),
  eraseUser: defineRoute({
    operationId: 'eraseUser',
    method: 'DELETE',
    path: '/v1/users/{userId}',
    tag: 'Users',
    summary: 'Erase a user',
    description: [
      'Removes or anonymises everything that names the user: their messages become tombstones (no text, sender',
      'replaced by a random pseudonym), their reactions, memberships (a conversation they solely owned gets its',
      'longest-standing member as owner), direct pairs, files (rows, bytes, thumbnails) and unfinished uploads go;',
      'mentions of them are removed; audit records and outbox events keep their place with the pseudonym. Citizen',
      'desk: requests they opened stay (topic, departments, status, timestamps, history) under the pseudonym without',
      'their description, location and reopen reasons; requests they handled and alert acknowledgements keep the',
      'pseudonym; their agent memberships of departments go; the notice naming them as claiming agent says "An agent". Live',
      'connections close and call participations end; members connected see each tombstone as `message:updated`.',
      'Recorded as `user.erased` (audit and event) with the erasure id, never the user id; this request itself is',
      'audited without its target. Tokens still valid would create a new, empty user: stop minting them first.',
      'Errors: `400 INVALID_REQUEST`, `401 UNAUTHENTICATED`, `404 USER_NOT_FOUND` (unknown or already erased).',
    ].join(' '),
    params: userParams,
    query: noQuery,
    redactAuditTarget: true,
    status: 200,
    response: userErasureSchema,
  }),
  setRetention: defineRoute({
    operationId: 'setRetention',
    method: 'PUT',
    path: '/v1/conversations/{conversationId}/retention',
    tag: 'Retention',
    summary: "Set a conversation's retention period",
    description: [
      `Messages older than \`seconds\` (${MIN_RETENTION_SECONDS} to ${MAX_RETENTION_SECONDS}) are deleted by the retention sweep`,
      '(every `retentionSweepIntervalSec`) with their reactions, attachments, the files no other message',
      'references (rows, bytes, thumbnails) and their outbox events; `null` keeps messages forever. Errors:',
      '`400 INVALID_REQUEST`, `401 UNAUTHENTICATED`, `404 CONVERSATION_NOT_FOUND`.',
    ].join(' '),
    params: conversationParams,
    query: noQuery,
    body: z.strictObject({ seconds: z.int().min(MIN_RETENTION_SECONDS).max(MAX_RETENTION_SECONDS).nullable() }),
    status: 200,
    response: retentionSchema,
  }),
  getRetention: defineRoute({
    operationId: 'getRetention',
    method: 'GET',
    path: '/v1/conversations/{conversationId}/retention',
    tag: 'Retention',
    summary: "Get a conversation's retention period",
    description: 'Errors: `400 INVALID_REQUEST`, `401 UNAUTHENTICATED`, `404 CONVERSATION_NOT_FOUND`.',
    params: conversationParams,
    query: noQuery,
    status: 200,
    response: retentionSchema,
  }),
} satisfies Record<string, ApiRoute>;
