import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { filesUnder, tusCreate, uploadBytes } from '../files/testing.js';
import { collect, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { scanDatabase } from './erasureTesting.js';
import { apiRequest } from './testing.js';

/** Waits for the next whole second (tokens minted after a revocation must carry a later `iat`). */
async function nextSecond(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) <= now) await new Promise((r) => setTimeout(r, 50));
}

/** A user id that appears nowhere by chance. */
const VICTIM = 'erase-target-7Qx9';

describe('DELETE /v1/users/{userId}', { timeout: 30_000 }, () => {
  let t: TestServer;
  let dbFile: string;
  let filesDir: string;
  let victim: RawSocket;
  let ben: RawSocket;
  let group: string;
  let fileId: string;

  beforeAll(async () => {
    t = await startTestServer();
    dbFile = join(t.server.config.dataDir, 'plaza.db');
    filesDir = join(t.server.config.dataDir, 'files');
    const victimToken = await t.token(VICTIM, { canUploadFiles: true });
    victim = await t.connect(VICTIM, { token: victimToken });
    ben = await t.connect('er-ben');
    await t.connect('er-cy');
    // The victim owns the group alone; ben and cy joined with it.
    group = (await ok(victim, 'conversation:create', { kind: 'group', title: 'Case 42', memberIds: ['er-ben', 'er-cy'] })).id;
    const direct = (await ok(victim, 'conversation:openDirect', { userId: 'er-ben' })).id;
    const up = await uploadBytes(t.url, victimToken, Buffer.from('my private scan\n'), { conversationId: group, filename: `${VICTIM}-scan.txt` });
    fileId = up.fileId as string;
    const own = await ok(victim, 'message:send', { conversationId: group, clientId: `${VICTIM}-c1`, text: 'my address is Elm St 1', mentions: ['er-ben'], attachments: [fileId] });
    await ok(victim, 'message:send', { conversationId: direct, clientId: 'c2', text: 'hello ben' });
    const benMsg = await ok(ben, 'message:send', { conversationId: group, clientId: 'b1', text: 'noted', mentions: [VICTIM], replyTo: own.id });
    await ok(victim, 'message:react', { conversationId: group, messageId: benMsg.id, emoji: '👍', add: true });
    await ok(ben, 'message:react', { conversationId: group, messageId: own.id, emoji: '👀', add: true });
    await ok(victim, 'message:edit', { conversationId: group, messageId: own.id, text: 'my address is Elm St 2' });
    // An upload never finished.
    expect((await tusCreate(t.url, victimToken, 100, { conversationId: group, filename: 'half.txt' })).status).toBe(201);
    // Admin actions naming the user: a revocation and an export (audited with the user as target).
    expect((await apiRequest(t.url, 'POST', `/v1/users/${VICTIM}/sessions/revoke`)).status).toBe(200);
    await nextSecond();
    victim = await t.connect(VICTIM, { token: await t.token(VICTIM) });
    expect((await apiRequest(t.url, 'GET', `/v1/users/${VICTIM}/export`)).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('leaves no row and no file that names the user; members see tombstones; the group gets a new owner', async () => {
    expect(scanDatabase(dbFile, VICTIM).length).toBeGreaterThan(10);
    expect(filesUnder(filesDir).some((f) => f.includes(fileId))).toBe(true);
    const updates = collect(ben, 'message:updated');
    const victimGone = new Promise<string>((resolve) => victim.once('disconnect', resolve));

    const res = await apiRequest(t.url, 'DELETE', `/v1/users/${VICTIM}`);
    expect(res.status).toBe(200);
    const { erasureId, pseudonym, counts } = res.body as { erasureId: string; pseudonym: string; counts: Record<string, number> };
    expect(pseudonym).toMatch(/^erased-/);
    expect(erasureId).not.toContain(VICTIM);
    expect(counts).toMatchObject({ messages: 2, reactions: 1, memberships: 2, ownersPromoted: 1, files: 1, uploads: 1, mentions: 1 });
    expect(counts.auditRecords).toBeGreaterThan(0);
    expect(counts.outboxEvents).toBeGreaterThan(0);
    // The answer and the user.erased event tell the same time.
    const erasedEvents = await apiRequest(t.url, 'GET', '/v1/events?type=user.erased&limit=200');
    const event = (erasedEvents.body.data as { createdAt: string; data: { erasureId: string; erasedAt: string } }[]).find((e) => e.data.erasureId === erasureId);
    expect(event).toMatchObject({ createdAt: res.body.erasedAt, data: { erasedAt: res.body.erasedAt } });
    expect(await victimGone).toBe('io server disconnect');

    // What members see: tombstones under the pseudonym, live and in history.
    await settle(ben);
    const tombstone = updates.find((m: Message) => m.clientId === null && m.senderId === pseudonym);
    expect(tombstone).toMatchObject({ text: '', deletedAt: expect.any(String), attachments: [], reactions: [] });
    const history = await ok(ben, 'message:history', { conversationId: group });
    expect(history.messages.map((m) => [m.senderId, m.text, m.mentions])).toEqual([
      [pseudonym, '', []],
      ['er-ben', 'noted', []],
    ]);
    expect(history.messages[1]?.reactions).toEqual([]);
    const members = await ok(ben, 'conversation:members', { conversationId: group });
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      ['er-ben', 'owner'],
      ['er-cy', 'member'],
    ]);
    expect((await ok(ben, 'conversation:get', { conversationId: group })).memberCount).toBe(2);

    // Audit: user.erased with the erasure id; the request itself without its target.
    await vi.waitFor(async () => {
      const erased = await t.server.store.listAudit({ limit: 5, action: 'user.erased' });
      expect(erased[0]).toMatchObject({ target: erasureId, actorId: 'api:PKtest' });
      expect(await t.server.store.listAudit({ limit: 5, action: 'api.eraseUser' })).toMatchObject([{ target: null, outcome: 'allowed' }]);
    });
    expect(scanDatabase(dbFile, VICTIM)).toEqual([]);
    expect(filesUnder(filesDir).filter((f) => f.includes(fileId) || f.includes(VICTIM))).toEqual([]);
    expect(filesUnder(join(filesDir, 'uploads'))).toEqual([]);
    const events = await t.server.store.listAudit({ limit: 1, action: 'user.erased' });
    expect(JSON.stringify(events)).not.toContain(VICTIM);
  });

  it("leaves none of the user's bytes in the database file's free space or in its WAL (secure_delete, checkpoint)", async () => {
    // Runs after the erasure above. A copy of the file (`sqlite3 .backup`, a disk image) holds free
    // pages and the WAL too, so the bytes must be gone, not only the rows.
    const raw = [dbFile, `${dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    expect(raw.length).toBeGreaterThan(0);
    for (const bytes of raw) {
      expect(bytes.includes(VICTIM)).toBe(false);
      expect(bytes.includes('Elm St')).toBe(false);
      expect(bytes.includes('hello ben')).toBe(false);
    }
  });

  it('erasing again answers 404 USER_NOT_FOUND and writes nothing that names the user', async () => {
    const res = await apiRequest(t.url, 'DELETE', `/v1/users/${VICTIM}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe(ErrorCode.USER_NOT_FOUND);
    await vi.waitFor(async () => {
      expect(await t.server.store.listAudit({ limit: 1, action: 'api.eraseUser' })).toMatchObject([{ outcome: 'denied', reason: ErrorCode.USER_NOT_FOUND, target: null }]);
    });
    expect(scanDatabase(dbFile, VICTIM)).toEqual([]);
  });

  it('bad input (400) and wrong credentials (401) erase nothing', async () => {
    await t.connect('er-dee');
    const bad = await apiRequest(t.url, 'DELETE', `/v1/users/${encodeURIComponent('er dee')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(ErrorCode.INVALID_REQUEST);
    const withBody = await apiRequest(t.url, 'DELETE', '/v1/users/er-dee', { body: { hard: true } });
    expect(withBody.status).toBe(400);
    const wrong = await apiRequest(t.url, 'DELETE', '/v1/users/er-dee', { auth: false });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await t.server.store.getUsers(['er-dee'])).toHaveLength(1);
  });
});
