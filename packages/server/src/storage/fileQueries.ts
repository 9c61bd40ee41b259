import { ErrorCode } from '@plaza/protocol';
import type { Attachment } from '@plaza/protocol';
import type Database from 'better-sqlite3';
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

/** A recorded file and whether this call inserted it (`false`: the id was recorded already). */
export interface InsertedFile {
  file: StoredFile;
  created: boolean;
}

/** The statements of {@link prepareFileWrites}. */
function prepareFileStatements(sqlite: Database.Database) {
  return {
    // One statement checks the conversation, skips a recorded id and returns the new row: the
    // `where` keeps the insert from failing on the foreign key, `do nothing` keeps it idempotent.
    insert: sqlite.prepare<[FileRow], FileRow>(
      'insert into files (id, conversation_id, uploader_id, name, size, mime_type, sha256, width, height, has_thumbnail, thumbnail_mime, storage_key, created_at, bytes_pending)' +
        ' select @id, @conversation_id, @uploader_id, @name, @size, @mime_type, @sha256, @width, @height, @has_thumbnail, @thumbnail_mime, @storage_key, @created_at, @bytes_pending' +
        ' where exists (select 1 from conversations where id = @conversation_id)' +
        ' on conflict (id) do nothing returning *',
    ),
    byId: sqlite.prepare<[string], FileRow>('select * from files where id = ?'),
    confirm: sqlite.prepare<[string]>('update files set bytes_pending = 0 where id = ?'),
    outbox: sqlite.prepare<[string, string, string]>('insert into outbox (type, payload, created_at, delivered_at, message_id) values (?, ?, ?, null, null)'),
  };
}

/** What {@link prepareFileWrites} returns. */
export interface FileWrites {
  /**
   * Inserts a file row and its `file.uploaded` outbox event in one transaction (synchronous; the
   * caller holds the connection and sees to durability). Idempotent on the id: a recorded id
   * returns its row with `created: false` and writes nothing.
   *
   * @throws PlazaError `CONVERSATION_NOT_FOUND` when the file's conversation does not exist
   */
  insertFile(file: NewFileRecord, now: string): InsertedFile;
  /** Clears the `bytes_pending` mark of `fileIds`, in one transaction (synchronous; the caller holds the connection). */
  confirmFileBytes(fileIds: readonly string[]): void;
}

/**
 * The upload path's write as better-sqlite3 statements prepared once: two statements per new file
 * (the row, the outbox event) instead of four Kysely queries compiled on every call. The SQL is
 * plain and portable (PostgreSQL has `insert ... on conflict do nothing returning` too). Create it
 * only once the schema exists.
 *
 * @param sqlite - the open, migrated database
 */
export function prepareFileWrites(sqlite: Database.Database): FileWrites {
  const st = prepareFileStatements(sqlite);
  const insert = sqlite.transaction((file: NewFileRecord, now: string): InsertedFile => {
    const row = st.insert.get({
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
      bytes_pending: file.bytesPending ? 1 : 0,
    });
    if (!row) {
      // Nothing inserted: the id is recorded already, or the conversation is gone.
      const existing = st.byId.get(file.id);
      if (existing) return { file: toStoredFile(existing), created: false };
      throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${file.conversationId}`);
    }
    st.outbox.run(OutboxEventType.fileUploaded, JSON.stringify({ conversationId: file.conversationId, file: toFileInfo(row) }), now);
    return { file: toStoredFile(row), created: true };
  });
  const confirm = sqlite.transaction((fileIds: readonly string[]) => {
    for (const id of fileIds) st.confirm.run(id);
  });
  return { insertFile: (file, now) => insert(file, now), confirmFileBytes: (fileIds) => confirm(fileIds) };
}

/** The files still marked `bytes_pending`. */
export async function filesWithBytesPending(db: Db): Promise<StoredFile[]> {
  const rows = await db.selectFrom('files').selectAll().where('bytes_pending', '=', 1).execute();
  return rows.map(toStoredFile);
}

/** Deletes a file whose bytes were lost, with the links to it and a `file.deleted` event (inside `trx`). */
export async function deleteLostFile(trx: Db, fileId: string, now: string): Promise<StoredFile | null> {
  await trx.deleteFrom('message_attachments').where('file_id', '=', fileId).execute();
  const row = await trx.deleteFrom('files').where('id', '=', fileId).returningAll().executeTakeFirst();
  if (!row) return null;
  await writeOutbox(trx, OutboxEventType.fileDeleted, { conversationId: row.conversation_id, fileId: row.id, messageId: null, reason: 'lost' }, now);
  return toStoredFile(row);
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
