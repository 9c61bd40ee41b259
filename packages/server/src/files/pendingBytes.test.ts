import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fails, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { sha256Hex, uploadBytes } from './testing.js';

/** Reads (or changes) the database of a stopped server. */
function withDatabase<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'plaza.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const pendingOf = (dataDir: string, fileId: string) =>
  withDatabase(dataDir, (db) => db.prepare<[string], { bytes_pending: number }>('select bytes_pending from files where id = ?').get(fileId)?.bytes_pending);

/** Uploads a PDF into a new conversation of `userId`, attaches it to a message and stops the server. */
async function storedAndAttached(dataDir: string, userId: string): Promise<{ fileId: string; conv: string; messageId: string; bytes: Buffer }> {
  const t: TestServer = await startTestServer({ dataDir });
  try {
    const socket = await t.connect(userId);
    const conv = (await ok(socket, 'conversation:create', { kind: 'group', title: 'Pending bytes' })).id;
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
    const { fileId } = await uploadBytes(t.url, await t.token(userId), bytes, { conversationId: conv, filename: 'report.pdf', sha256: sha256Hex(bytes) });
    expect(fileId).toMatch(/^f_/);
    const sent = await ok(socket, 'message:send', { conversationId: conv, clientId: `att-${userId}`, text: 'the report', attachments: [fileId as string] });
    return { fileId: fileId as string, conv, messageId: sent.id, bytes };
  } finally {
    await t.close();
  }
}

describe('files recorded while their bytes sync', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-files-pending-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a completed upload is recorded pending and confirmed once its bytes are synced', async () => {
    const { fileId } = await storedAndAttached(dataDir, 'p-ana');
    expect(pendingOf(dataDir, fileId)).toBe(0);
  }, 30_000);

  it('at start, a file still marked pending whose bytes are intact is kept and confirmed', async () => {
    const { fileId, conv, bytes } = await storedAndAttached(dataDir, 'p-ben');
    // What a crash between recording the row and the end of the sync leaves, when the bytes made it.
    withDatabase(dataDir, (db) => db.prepare('update files set bytes_pending = 1 where id = ?').run(fileId));
    const t = await startTestServer({ dataDir });
    try {
      expect(pendingOf(dataDir, fileId)).toBe(0);
      const socket = await t.connect('p-ben');
      const page = await ok(socket, 'message:history', { conversationId: conv, limit: 1 });
      expect(page.messages[0]?.attachments.map((a) => a.fileId)).toEqual([fileId]);
      const res = await fetch(new URL((await ok(socket, 'file:url', { fileId })).url, t.url));
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      await t.close();
    }
  }, 30_000);

  it('at start, a file still marked pending whose bytes did not survive is deleted: row, message link, bytes, and a file.deleted event', async () => {
    const { fileId, conv } = await storedAndAttached(dataDir, 'p-cy');
    // The row made it to disk, the bytes only in part.
    withDatabase(dataDir, (db) => db.prepare('update files set bytes_pending = 1 where id = ?').run(fileId));
    const object = join(dataDir, 'files', 'objects', fileId);
    truncateSync(object, 4096);
    const t = await startTestServer({ dataDir });
    try {
      expect(existsSync(object)).toBe(false);
      const socket = await t.connect('p-cy');
      expect((await fails(socket, 'file:get', { fileId })).code).toBe('FILE_NOT_FOUND');
      const page = await ok(socket, 'message:history', { conversationId: conv, limit: 1 });
      expect(page.messages[0]?.text).toBe('the report');
      expect(page.messages[0]?.attachments).toEqual([]);
      const events = withDatabase(dataDir, (db) =>
        db.prepare<[], { payload: string }>("select payload from outbox where type = 'file.deleted'").all().map((row) => JSON.parse(row.payload) as Record<string, unknown>),
      );
      expect(events).toContainEqual({ conversationId: conv, fileId, messageId: null, reason: 'lost' });
    } finally {
      await t.close();
    }
  }, 30_000);
});
