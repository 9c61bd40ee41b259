import type { WebhookEventType } from '@plaza/protocol';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ChatDatabase } from './schema.js';

/** Types of outbox event, one per kind of change (webhook event names). */
export const OutboxEventType = {
  conversationCreated: 'conversation.created',
  conversationUpdated: 'conversation.updated',
  memberAdded: 'member.added',
  memberRemoved: 'member.removed',
  memberRoleChanged: 'member.role_changed',
  messageCreated: 'message.created',
  messageUpdated: 'message.updated',
  messageDeleted: 'message.deleted',
  reactionChanged: 'reaction.changed',
  fileUploaded: 'file.uploaded',
  fileDeleted: 'file.deleted',
  callStarted: 'call.started',
  callEnded: 'call.ended',
  participantJoined: 'participant.joined',
  participantLeft: 'participant.left',
  userSessionsRevoked: 'user.sessions_revoked',
  /** Carries no personal data (only that an erasure happened). */
  userErased: 'user.erased',
  requestOpened: 'request.opened',
  requestClaimed: 'request.claimed',
  requestTransferred: 'request.transferred',
  requestOnHold: 'request.on_hold',
  requestResumed: 'request.resumed',
  requestResolved: 'request.resolved',
  requestReopened: 'request.reopened',
  requestSlaMissed: 'request.sla_missed',
  alertCreated: 'alert.created',
  alertAcknowledged: 'alert.acknowledged',
  alertEscalated: 'alert.escalated',
} as const satisfies Record<string, WebhookEventType>;
/** One of the {@link OutboxEventType} values. */
export type OutboxEventType = (typeof OutboxEventType)[keyof typeof OutboxEventType];

/** The `server_state` key of the webhook dispatcher's cursor: the last outbox id it fanned out. */
export const OUTBOX_CURSOR_KEY = 'webhooks.outboxCursor';

/** An outbox event to write with `ChatStore.recordEvents`. */
export interface NewOutboxEvent {
  type: OutboxEventType;
  /** JSON-serialisable facts (with `conversationId` when the event is about a conversation). */
  payload: object;
}

/**
 * Writes one outbox event. Call it inside the transaction of the change it describes.
 *
 * @param trx - the open transaction
 * @param type - the event type
 * @param payload - JSON-serialisable facts of the change (always with `conversationId`)
 * @param now - the change's timestamp
 * @param messageId - the message the event is about, if any (see {@link scrubOutboxText})
 */
export async function writeOutbox(
  trx: Kysely<ChatDatabase>,
  type: OutboxEventType,
  payload: object,
  now: string,
  messageId: string | null = null,
): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ type, payload: JSON.stringify(payload), created_at: now, delivered_at: null, message_id: messageId })
    .execute();
}

/**
 * Erases the text (and mentions) of a message from its earlier outbox rows, so an edit or delete
 * does not leave the old text behind. Call it inside the transaction of the edit or delete, before
 * writing that change's own row. Scrubbed payloads keep their shape, with `textRemoved: true`.
 *
 * @param trx - the open transaction
 * @param messageId - the message being edited or deleted
 */
export async function scrubOutboxText(trx: Kysely<ChatDatabase>, messageId: string): Promise<void> {
  const rows = await trx.selectFrom('outbox').select(['id', 'payload']).where('message_id', '=', messageId).execute();
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as { message?: { text?: string; mentions?: string[] }; textRemoved?: boolean };
    if (!payload.message || payload.textRemoved) continue;
    payload.message.text = '';
    payload.message.mentions = [];
    payload.textRemoved = true;
    await trx.updateTable('outbox').set({ payload: JSON.stringify(payload) }).where('id', '=', row.id).execute();
  }
}

/**
 * Writes outbox events in one statement (call it inside a transaction to commit them with a change).
 *
 * @param trx - the database or an open transaction
 * @param events - the events, in order
 * @param now - their timestamp
 */
export async function writeOutboxEvents(trx: Kysely<ChatDatabase>, events: readonly NewOutboxEvent[], now: string): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(events.map((e) => ({ type: e.type, payload: JSON.stringify(e.payload), created_at: now, delivered_at: null, message_id: null })))
    .execute();
}

/**
 * Deletes outbox rows created before `outboxBefore` and audit rows recorded before `auditBefore`
 * (ISO 8601 timestamps), returning how many of each went. An outbox row the webhook dispatcher
 * still needs stays: one it has not fanned out yet (above its cursor, when it has one) and one with
 * a pending or dead delivery. Delivered deliveries of the deleted rows go with them.
 *
 * @param db - the database (one transaction for the outbox, one statement for the audit log)
 * @param cutoffs - the oldest timestamps kept
 */
export async function deleteExpired(
  db: Kysely<ChatDatabase>,
  cutoffs: { outboxBefore: string; auditBefore: string },
): Promise<{ outbox: number; audit: number }> {
  const outbox = await db.transaction().execute(async (trx) => {
    const state = await trx.selectFrom('server_state').select('value').where('key', '=', OUTBOX_CURSOR_KEY).executeTakeFirst();
    const cursor = state ? Number(JSON.parse(state.value)) : null;
    let expired = trx
      .selectFrom('outbox')
      .select('outbox.id')
      .where('outbox.created_at', '<', cutoffs.outboxBefore)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as d')
              .select(sql<number>`1`.as('one'))
              .whereRef('d.event_id', '=', 'outbox.id')
              .where('d.status', 'in', ['pending', 'dead']),
          ),
        ),
      );
    if (cursor !== null) expired = expired.where('outbox.id', '<=', cursor);
    await trx.deleteFrom('webhook_deliveries').where('event_id', 'in', expired).execute();
    const deleted = await trx.deleteFrom('outbox').where('id', 'in', expired).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
  const audit = await db.deleteFrom('audit').where('at', '<', cutoffs.auditBefore).executeTakeFirst();
  return { outbox, audit: Number(audit.numDeletedRows) };
}
