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
 */
export async function writeOutbox(trx: Kysely<ChatDatabase>, type: OutboxEventType, payload: object, now: string): Promise<void> {
  await trx.insertInto('outbox').values({ type, payload: JSON.stringify(payload), created_at: now, delivered_at: null }).execute();
}
