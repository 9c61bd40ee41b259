import { ErrorCode } from '@plaza/protocol';
import type { Attachment } from '@plaza/protocol';
import type { Kysely } from 'kysely';
import { PlazaError } from '../errors.js';
import { chunks } from './conversationQueries.js';
import type { NewFileRecord, StoredFile } from './FileRecords.js';
import { OutboxEventType, writeOutbox } from './outbox.js';
import { toAttachment, toFileInfo } from './rows.js';
import type { FileRow } from './rows.js';
import type { ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;

/** Maps a file row to the store's view of it. */
export function toStoredFile(row: FileRow): StoredFile {
  return { ...toFileInfo(row), storageKey: row.storage_key, thumbnailMime: row.thumbnail_mime };
}

/** A file row by id, or `null`. */
export async function getFile(db: Db, fileId: string): Promise<StoredFile | null> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', fileId).executeTakeFirst();
  return row ? toStoredFile(row) : null;
}

/** Inserts a file row and its `file.uploaded` outbox event (inside `trx`); idempotent on the id. */
export async function insertFile(trx: Db, file: NewFileRecord, now: string): Promise<StoredFile> {
  const existing = await getFile(trx, file.id);
  if (existing) return existing;
  const conversation = await trx.selectFrom('conversations').select('id').where('id', '=', file.conversationId).executeTakeFirst();
  if (!conversation) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${file.conversationId}`);
  const row = await trx
    .insertInto('files')
    .values({
      id: file.id,
      conversation_id: file.conversationId,
      uploader_id: file.uploaderId,
      name: file.name,
      size: file.size,
      mime_type: file.mimeType,
      sha256: file.sha256,
      width: file.width,
      height: file.height,
      has_thumbnail: file.thumbnailMime === null ? 0 : 1,
      thumbnail_mime: file.thumbnailMime,
      storage_key: file.storageKey,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const stored = toStoredFile(row);
  await writeOutbox(trx, OutboxEventType.fileUploaded, { conversationId: file.conversationId, file: toFileInfo(row) }, now);
  return stored;
}

/** Total bytes of the files `userId` has stored. */
export async function storedBytesOf(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('files')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('total'))
    .where('uploader_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** Attachments of each message id, in the sender's order (one query per 500 messages). */
export async function attachmentsOf(db: Db, messageIds: readonly string[]): Promise<Map<string, Attachment[]>> {
  const byMessage = new Map<string, Attachment[]>();
  for (const part of chunks([...messageIds])) {
    const rows = await db
      .selectFrom('message_attachments')
      .innerJoin('files', 'files.id', 'message_attachments.file_id')
      .selectAll('files')
      .select(['message_attachments.message_id as message_id'])
      .where('message_attachments.message_id', 'in', part)
      .orderBy('message_attachments.message_id')
      .orderBy('message_attachments.position')
      .execute();
    for (const row of rows) {
      let list = byMessage.get(row.message_id);
      if (!list) byMessage.set(row.message_id, (list = []));
      list.push(toAttachment(row));
    }
  }
  return byMessage;
}

/** Deletes up to `limit` files created before `createdBefore` that no message references (inside `trx`). */
export async function deleteUnattachedFiles(trx: Db, createdBefore: string, limit: number, now: string): Promise<StoredFile[]> {
  const rows = await trx
    .deleteFrom('files')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('files as f')
        .select('f.id')
        .where('f.created_at', '<', createdBefore)
        .where((inner) => inner.not(inner.exists(inner.selectFrom('message_attachments as ma').select('ma.file_id').whereRef('ma.file_id', '=', 'f.id'))))
        .limit(limit),
    )
    .returningAll()
    .execute();
  for (const row of rows) {
    await writeOutbox(trx, OutboxEventType.fileDeleted, { conversationId: row.conversation_id, fileId: row.id, messageId: null, reason: 'unattached' }, now);
  }
  return rows.map(toStoredFile);
}

/**
 * Unlinks a message's attachments (inside `trx`) and deletes the rows of files no other message
 * references, each with a `file.deleted` outbox event. Returns the deleted files.
 */
export async function releaseAttachments(trx: Db, conversationId: string, messageId: string, now: string): Promise<StoredFile[]> {
  const links = await trx.selectFrom('message_attachments').select('file_id').where('message_id', '=', messageId).execute();
  if (links.length === 0) return [];
  await trx.deleteFrom('message_attachments').where('message_id', '=', messageId).execute();
  const released: StoredFile[] = [];
  for (const fileId of new Set(links.map((l) => l.file_id))) {
    const still = await trx.selectFrom('message_attachments').select('message_id').where('file_id', '=', fileId).executeTakeFirst();
    if (still) continue;
    const row = await trx.deleteFrom('files').where('id', '=', fileId).returningAll().executeTakeFirst();
    if (!row) continue;
    released.push(toStoredFile(row));
    await writeOutbox(trx, OutboxEventType.fileDeleted, { conversationId, fileId, messageId }, now);
  }
  return released;
}
