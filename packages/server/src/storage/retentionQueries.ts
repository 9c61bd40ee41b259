import { ErrorCode } from '@plaza/protocol';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { PlazaError } from '../errors.js';
import { chunks } from './conversationQueries.js';
import type { StoredFile } from './FileRecords.js';
import { toStoredFile } from './fileQueries.js';
import type { ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;

/** A conversation's retention period in seconds (`null`: kept forever). Throws `CONVERSATION_NOT_FOUND`. */
export async function getRetention(db: Db, conversationId: string): Promise<number | null> {
  const row = await db.selectFrom('conversations').select('retention_seconds').where('id', '=', conversationId).executeTakeFirst();
  if (!row) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  return row.retention_seconds === null || row.retention_seconds === undefined ? null : Number(row.retention_seconds);
}

/** Sets a conversation's retention period (`null` keeps messages forever). Throws `CONVERSATION_NOT_FOUND`. */
export async function setRetention(db: Db, conversationId: string, seconds: number | null): Promise<number | null> {
  const result = await db.updateTable('conversations').set({ retention_seconds: seconds }).where('id', '=', conversationId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  return seconds;
}

/** What one conversation lost to its retention period in one sweep batch. */
export interface RetentionSwept {
  conversationId: string;
  /** Messages created before this time (ISO 8601) were deleted. */
  cutoff: string;
  messages: number;
  reactions: number;
  files: number;
  outboxEvents: number;
}

/** One batch of the message retention sweep. */
export interface RetentionBatch {
  /** Conversations that lost something. */
  swept: RetentionSwept[];
  /** File rows deleted: delete their bytes and thumbnails. */
  releasedFiles: StoredFile[];
  /** Whether a conversation had more to delete than the batch took (run another batch). */
  more: boolean;
}

/**
 * Deletes (inside `trx`), in every conversation with a retention period, up to `limit` messages
 * created before `now - period` with their reactions, attachment links and outbox events (and
 * those events' webhook deliveries); then the conversation's files created before the cutoff that
 * no message references any more, with their outbox events.
 *
 * @param trx - the open transaction
 * @param nowMs - the sweep's idea of now (tests pass their own)
 * @param limit - most messages deleted per conversation in this batch
 */
export async function sweepExpiredMessages(trx: Db, nowMs: number, limit: number): Promise<RetentionBatch> {
  const conversations = await trx.selectFrom('conversations').select(['id', 'retention_seconds']).where('retention_seconds', 'is not', null).execute();
  const batch: RetentionBatch = { swept: [], releasedFiles: [], more: false };
  for (const conversation of conversations) {
    const cutoff = new Date(nowMs - Number(conversation.retention_seconds) * 1000).toISOString();
    const swept: RetentionSwept = { conversationId: conversation.id, cutoff, messages: 0, reactions: 0, files: 0, outboxEvents: 0 };
    const old = await trx
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conversation.id)
      .where('created_at', '<', cutoff)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    if (old.length > limit) batch.more = true;
    const messageIds = old.slice(0, limit).map((m) => m.id);
    const candidateFiles = new Set<string>();
    for (const part of chunks(messageIds)) {
      const reactions = await trx.deleteFrom('reactions').where('message_id', 'in', part).executeTakeFirst();
      swept.reactions += Number(reactions.numDeletedRows);
      const links = await trx.selectFrom('message_attachments').select('file_id').where('message_id', 'in', part).execute();
      for (const link of links) candidateFiles.add(link.file_id);
      await trx.deleteFrom('message_attachments').where('message_id', 'in', part).execute();
      const events = await trx.selectFrom('outbox').select('id').where('message_id', 'in', part).execute();
      swept.outboxEvents += await deleteOutboxRows(trx, events.map((e) => e.id));
      const messages = await trx.deleteFrom('messages').where('id', 'in', part).executeTakeFirst();
      swept.messages += Number(messages.numDeletedRows);
    }
    // Files of the deleted messages and old uploads never attached: gone once nothing references them.
    const unattached = await trx
      .selectFrom('files as f')
      .select('f.id')
      .where('f.conversation_id', '=', conversation.id)
      .where('f.created_at', '<', cutoff)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('message_attachments as ma').select('ma.file_id').whereRef('ma.file_id', '=', 'f.id'))))
      .execute();
    for (const f of unattached) candidateFiles.add(f.id);
    for (const part of chunks([...candidateFiles])) {
      const rows = await trx
        .deleteFrom('files')
        .where('id', 'in', part)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('message_attachments as ma').select('ma.file_id').whereRef('ma.file_id', '=', 'files.id'))))
        .returningAll()
        .execute();
      swept.files += rows.length;
      batch.releasedFiles.push(...rows.map(toStoredFile));
      swept.outboxEvents += await deleteFileEvents(trx, rows.map((r) => r.id));
    }
    if (swept.messages + swept.files > 0) batch.swept.push(swept);
  }
  return batch;
}

/** Deletes outbox rows and the webhook deliveries owed for them; returns how many rows went. */
async function deleteOutboxRows(trx: Db, ids: readonly number[]): Promise<number> {
  let deleted = 0;
  for (const part of chunks(ids)) {
    await trx.deleteFrom('webhook_deliveries').where('event_id', 'in', part).execute();
    const result = await trx.deleteFrom('outbox').where('id', 'in', part).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** Deletes the `file.*` outbox events that name any of `fileIds` (and their deliveries). */
async function deleteFileEvents(trx: Db, fileIds: readonly string[]): Promise<number> {
  let deleted = 0;
  // File ids are `[A-Za-z0-9_-]` only; `_` is escaped for LIKE.
  for (const part of chunks(fileIds, 100)) {
    const rows = await trx
      .selectFrom('outbox')
      .select(['id', 'payload'])
      .where('type', 'like', 'file.%')
      .where((eb) => eb.or(part.map((id) => sql<boolean>`${sql.ref('payload')} like ${`%"${id.replace(/_/g, '\\_')}"%`} escape '\\'`)))
      .execute();
    const ids = rows
      .filter((r) => {
        const payload = JSON.parse(r.payload) as { fileId?: unknown; file?: { fileId?: unknown } };
        const id = payload.fileId ?? payload.file?.fileId;
        return typeof id === 'string' && part.includes(id);
      })
      .map((r) => r.id);
    deleted += await deleteOutboxRows(trx, ids);
  }
  return deleted;
}
