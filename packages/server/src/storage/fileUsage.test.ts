import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewFileRecord } from './FileRecords.js';
import { chatMigrationProvider } from './migrations.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';
import { groupConversation as group } from './testing.js';

let dir: string;
let store: SqliteChatStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-usage-'));
  // `full` (the default): the file insert takes the durable path with its log sync.
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});


let nextId = 0;
const file = (conversationId: string, uploaderId: string, size: number): NewFileRecord => {
  nextId += 1;
  return {
    id: `f_usage${nextId}`,
    conversationId,
    uploaderId,
    name: `photo-${nextId}.pdf`,
    size,
    mimeType: 'application/pdf',
    sha256: 'a'.repeat(64),
    width: null,
    height: null,
    thumbnailMime: null,
    storageKey: `f_usage${nextId}`,
  };
};

/** What a sum over the user's file rows says (the figure the usage table must match). */
async function summed(userId: string): Promise<number> {
  const { rows } = await sql<{ total: number | null }>`select sum(size) as total from files where uploader_id = ${userId}`.execute(store.kysely);
  return Number(rows[0]?.total ?? 0);
}

async function usageRows(): Promise<{ uploader_id: string; files: number; bytes: number }[]> {
  const { rows } = await sql<{ uploader_id: string; files: number; bytes: number }>`select * from file_usage order by uploader_id`.execute(store.kysely);
  return rows;
}

async function outboxTypes(): Promise<string[]> {
  const { rows } = await sql<{ type: string }>`select type from outbox order by id`.execute(store.kysely);
  return rows.map((r) => r.type);
}

const send = (conversationId: string, senderId: string, attachments: string[]) =>
  store.appendMessage({ conversationId, senderId, clientId: null, kind: 'user', text: 'see attached', replyTo: null, mentions: [], attachments });

describe('insertFile', () => {
  it('records the row and its file.uploaded event, and the uploader’s usage counts it', async () => {
    const conv = await store.createConversation(group('ana', 'ben'));
    const stored = await store.insertFile(file(conv.id, 'ana', 1000));
    expect(stored).toMatchObject({ fileId: 'f_usage' + nextId, conversationId: conv.id, uploaderId: 'ana', size: 1000, image: null, thumbnailMime: null });
    expect(await store.getFile(stored.fileId)).toEqual(stored);
    expect(await store.storedBytesOf('ana')).toBe(1000);
    expect(await store.storedBytesOf('ben')).toBe(0);
    expect((await outboxTypes()).filter((t) => t === 'file.uploaded')).toHaveLength(1);
  });

  it('the same id twice returns the first record, writes no second event and counts the bytes once', async () => {
    const conv = await store.createConversation(group('ana'));
    const first = file(conv.id, 'ana', 700);
    const stored = await store.insertFile(first);
    const again = await store.insertFile({ ...first, name: 'other.pdf', size: 5 });
    expect(again).toEqual(stored);
    expect(await store.storedBytesOf('ana')).toBe(700);
    expect((await outboxTypes()).filter((t) => t === 'file.uploaded')).toHaveLength(1);
  });

  it('into a missing conversation fails with CONVERSATION_NOT_FOUND and changes nothing', async () => {
    const before = await outboxTypes();
    const orphan = file('c_gone', 'ana', 300);
    await expect(store.insertFile(orphan)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    expect(await store.getFile(orphan.id)).toBeNull();
    expect(await store.storedBytesOf('ana')).toBe(0);
    expect(await outboxTypes()).toEqual(before);
  });
});

describe('per-user storage use stays exact', () => {
  it('after a message delete releases its file (and not while another message still references it)', async () => {
    const conv = await store.createConversation(group('ana', 'ben'));
    const shared = await store.insertFile(file(conv.id, 'ana', 400));
    const kept = await store.insertFile(file(conv.id, 'ana', 50));
    const first = await send(conv.id, 'ana', [shared.fileId, kept.fileId]);
    const second = await send(conv.id, 'ana', [shared.fileId]);
    expect(await store.storedBytesOf('ana')).toBe(450);

    expect((await store.deleteMessageReleasingFiles(conv.id, second.message.id)).releasedFiles).toEqual([]);
    expect(await store.storedBytesOf('ana')).toBe(450);
    const released = await store.deleteMessageReleasingFiles(conv.id, first.message.id);
    expect(released.releasedFiles.map((f) => f.fileId).sort()).toEqual([shared.fileId, kept.fileId].sort());
    expect(await store.storedBytesOf('ana')).toBe(0);
    expect(await usageRows()).toEqual([]);
  });

  it('after the sweep of unattached files', async () => {
    const conv = await store.createConversation(group('ana'));
    const lonely = await store.insertFile(file(conv.id, 'ana', 123));
    const sent = await store.insertFile(file(conv.id, 'ana', 77));
    await send(conv.id, 'ana', [sent.fileId]);
    const deleted = await store.deleteUnattachedFiles(new Date(Date.now() + 60_000).toISOString(), 10);
    expect(deleted.map((f) => f.fileId)).toEqual([lonely.fileId]);
    expect(await store.storedBytesOf('ana')).toBe(77);
    expect(await store.storedBytesOf('ana')).toBe(await summed('ana'));
  });

  it('after a conversation is deleted (its files go by the foreign key cascade)', async () => {
    const doomed = await store.createConversation(group('ana', 'ben'));
    const other = await store.createConversation(group('ana', 'ben'));
    await store.insertFile(file(doomed.id, 'ana', 1000));
    await store.insertFile(file(doomed.id, 'ben', 10));
    await store.insertFile(file(other.id, 'ana', 1));
    expect(await store.storedBytesOf('ana')).toBe(1001);

    await store.kysely.deleteFrom('conversations').where('id', '=', doomed.id).execute();
    expect(await summed('ana')).toBe(1);
    expect(await store.storedBytesOf('ana')).toBe(1);
    expect(await store.storedBytesOf('ben')).toBe(0);
    expect(await usageRows()).toEqual([{ uploader_id: 'ana', files: 1, bytes: 1 }]);
  });

  it('after a user is erased: their files and their usage row are gone, other users keep theirs', async () => {
    await store.upsertUser({ id: 'ana', name: 'Ana', metadata: null });
    const conv = await store.createConversation(group('ana', 'ben'));
    const mine = await store.insertFile(file(conv.id, 'ana', 500));
    await store.insertFile(file(conv.id, 'ben', 20));
    await send(conv.id, 'ana', [mine.fileId]);
    const outcome = await store.eraseUser('ana', { pseudonym: 'erased-1', erasureId: 'er_1' });
    expect(outcome.counts.files).toBe(1);
    expect(await store.storedBytesOf('ana')).toBe(0);
    expect(await store.storedBytesOf('ben')).toBe(20);
    expect((await usageRows()).map((r) => r.uploader_id)).toEqual(['ben']);
  });

  it('after the retention sweep deletes expired messages and their files', async () => {
    const conv = await store.createConversation(group('ana'));
    const attached = await store.insertFile(file(conv.id, 'ana', 900));
    await send(conv.id, 'ana', [attached.fileId]);
    await store.setRetention(conv.id, 60);
    const batch = await store.sweepExpiredMessages(Date.now() + 3_600_000, 100);
    expect(batch.releasedFiles.map((f) => f.fileId)).toEqual([attached.fileId]);
    expect(await store.storedBytesOf('ana')).toBe(0);
  });
});

describe('migration 0008_file_usage', () => {
  it('counts the files stored before it ran', async () => {
    const filename = join(dir, 'older.db');
    const sqlite = new Database(filename);
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrated = await new Migrator({ db, provider: chatMigrationProvider('sqlite') }).migrateTo('0007_desk');
    expect(migrated.error).toBeUndefined();
    sqlite.exec(`insert into conversations (id, kind, created_by, created_at, last_activity_at) values ('c_old', 'group', 'ana', 't', 't')`);
    const insert = sqlite.prepare(
      `insert into files (id, conversation_id, uploader_id, name, size, mime_type, sha256, storage_key, created_at) values (?, 'c_old', ?, 'n', ?, 'text/plain', 'x', ?, 't')`,
    );
    insert.run('f_1', 'ana', 10, 'f_1');
    insert.run('f_2', 'ana', 32, 'f_2');
    insert.run('f_3', 'ben', 5, 'f_3');
    await db.destroy();

    const upgraded = createSqliteChatStore({ filename, synchronous: 'normal' });
    try {
      await upgraded.migrate();
      expect(await upgraded.storedBytesOf('ana')).toBe(42);
      expect(await upgraded.storedBytesOf('ben')).toBe(5);
      expect(await upgraded.storedBytesOf('cy')).toBe(0);
      // And the triggers take over from there.
      await upgraded.insertFile(file('c_old', 'ben', 1));
      expect(await upgraded.storedBytesOf('ben')).toBe(6);
    } finally {
      await upgraded.close();
    }
  });
});
