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
} as const;
/** One of the {@link OutboxEventType} values. */
export type OutboxEventType = (typeof OutboxEventType)[keyof typeof OutboxEventType];

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
 * Deletes outbox rows created before `outboxBefore` and audit rows recorded before `auditBefore`
 * (ISO 8601 timestamps), returning how many of each went.
 *
 * @param db - the database (each delete is its own statement)
 * @param cutoffs - the oldest timestamps kept
 */
export async function deleteExpired(
  db: Kysely<ChatDatabase>,
  cutoffs: { outboxBefore: string; auditBefore: string },
): Promise<{ outbox: number; audit: number }> {
  const outbox = await db.deleteFrom('outbox').where('created_at', '<', cutoffs.outboxBefore).executeTakeFirst();
  const audit = await db.deleteFrom('audit').where('at', '<', cutoffs.auditBefore).executeTakeFirst();
  return { outbox: Number(outbox.numDeletedRows), audit: Number(audit.numDeletedRows) };
}
