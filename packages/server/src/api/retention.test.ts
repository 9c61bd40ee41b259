import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { filesUnder, uploadBytes } from '../files/testing.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

describe('conversation retention', { timeout: 30_000 }, () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let dbFile: string;
  let group: string;
  let keepForever: string;

  /** Moves rows back in time, as if written `ageSec` seconds ago (the test cannot wait a minute). */
  const backdate = (table: 'messages' | 'files', ids: string[], ageSec: number) => {
    const db = new Database(dbFile, { fileMustExist: true, timeout: 5000 });
    try {
      const at = new Date(Date.now() - ageSec * 1000).toISOString();
      const stmt = db.prepare(`update ${table} set created_at = ? where id = ?`);
      for (const id of ids) expect(stmt.run(at, id).changes).toBe(1);
    } finally {
      db.close();
    }
  };
  const count = (query: string, ...args: unknown[]) => {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(query).get(...args) as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    t = await startTestServer({ retentionSweepIntervalSec: 1 });
    dbFile = join(t.server.config.dataDir, 'plaza.db');
    anaToken = await t.token('rt-ana', { canUploadFiles: true });
    ana = await t.connect('rt-ana', { token: anaToken });
    await t.connect('rt-ben');
    group = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Short-lived', memberIds: ['rt-ben'] })).id;
    keepForever = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Kept', memberIds: ['rt-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('with a 60 s period the sweep leaves nothing older behind: messages, reactions, files (rows and bytes), outbox events', async () => {
    const attached = (await uploadBytes(t.url, anaToken, Buffer.from('attached, old\n'), { conversationId: group, filename: 'old.txt' })).fileId as string;
    const lonely = (await uploadBytes(t.url, anaToken, Buffer.from('never attached, old\n'), { conversationId: group, filename: 'lonely.txt' })).fileId as string;
    const old1 = await ok(ana, 'message:send', { conversationId: group, clientId: 'o1', text: 'old with file', attachments: [attached] });
    await ok(ana, 'message:react', { conversationId: group, messageId: old1.id, emoji: '👍', add: true });
    const old2 = await ok(ana, 'message:send', { conversationId: group, clientId: 'o2', text: 'old text' });
    const recent = await ok(ana, 'message:send', { conversationId: group, clientId: 'r1', text: 'recent' });
    const keptOld = await ok(ana, 'message:send', { conversationId: keepForever, clientId: 'k1', text: 'kept forever' });
    backdate('messages', [old1.id, old2.id, keptOld.id], 120);
    backdate('files', [attached, lonely], 120);
    expect(filesUnder(join(t.server.config.dataDir, 'files')).filter((f) => f.includes(attached) || f.includes(lonely))).toHaveLength(2);

    const set = await apiRequest(t.url, 'PUT', `/v1/conversations/${group}/retention`, { body: { seconds: 60 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ conversationId: group, retentionSeconds: 60 });

    await vi.waitFor(async () => expect((await ok(ana, 'message:history', { conversationId: group })).messages.map((m) => m.id)).toEqual([recent.id]), {
      timeout: 10_000,
      interval: 100,
    });
    const cutoff = new Date(Date.now() - 60_000).toISOString();
    expect(count('select count(*) as n from messages where conversation_id = ? and created_at < ?', group, cutoff)).toBe(0);
    expect(count('select count(*) as n from files where conversation_id = ? and created_at < ?', group, cutoff)).toBe(0);
    expect(count('select count(*) as n from reactions where conversation_id = ?', group)).toBe(0);
    expect(count('select count(*) as n from message_attachments where file_id in (?, ?)', attached, lonely)).toBe(0);
    expect(count('select count(*) as n from outbox where message_id in (?, ?)', old1.id, old2.id)).toBe(0);
    expect(count("select count(*) as n from outbox where type like 'file.%' and (payload like ? or payload like ?)", `%${attached}%`, `%${lonely}%`)).toBe(0);
    // The bytes go after the rows' transaction commits (which history can see at once): wait for them too.
    await vi.waitFor(async () => {
      expect(await t.server.files.storage.stat(attached)).toBeNull();
      expect(await t.server.files.storage.stat(lonely)).toBeNull();
    }, { timeout: 10_000, interval: 50 });
    expect(filesUnder(join(t.server.config.dataDir, 'files')).filter((f) => f.includes(attached) || f.includes(lonely))).toEqual([]);
    // A conversation without a period keeps its old messages.
    expect((await ok(ana, 'message:history', { conversationId: keepForever })).messages.map((m) => m.id)).toEqual([keptOld.id]);
    await vi.waitFor(async () => {
      const swept = await t.server.store.listAudit({ limit: 5, action: 'retention.swept', target: group });
      expect(swept[0]?.details).toMatchObject({ messages: 2, reactions: 1, files: 2 });
    });
  });

  it('GET answers the period; null clears it', async () => {
    expect((await apiRequest(t.url, 'GET', `/v1/conversations/${keepForever}/retention`)).body).toEqual({ conversationId: keepForever, retentionSeconds: null });
    expect((await apiRequest(t.url, 'PUT', `/v1/conversations/${keepForever}/retention`, { body: { seconds: 3600 } })).body.retentionSeconds).toBe(3600);
    expect((await apiRequest(t.url, 'GET', `/v1/conversations/${keepForever}/retention`)).body.retentionSeconds).toBe(3600);
    expect((await apiRequest(t.url, 'PUT', `/v1/conversations/${keepForever}/retention`, { body: { seconds: null } })).body.retentionSeconds).toBeNull();
    expect((await apiRequest(t.url, 'GET', `/v1/conversations/${keepForever}/retention`)).body.retentionSeconds).toBeNull();
  });

  it('bad input (400), unknown conversations (404) and wrong credentials (401) change nothing', async () => {
    const path = `/v1/conversations/${group}/retention`;
    for (const body of [{ seconds: 59 }, { seconds: 90.5 }, { seconds: '60' }, { seconds: 60, extra: 1 }, {}]) {
      const res = await apiRequest(t.url, 'PUT', path, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(ErrorCode.INVALID_REQUEST);
    }
    const missing = await apiRequest(t.url, 'PUT', '/v1/conversations/c_nope/retention', { body: { seconds: 60 } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    expect((await apiRequest(t.url, 'GET', '/v1/conversations/c_nope/retention')).status).toBe(404);
    expect((await apiRequest(t.url, 'GET', '/v1/conversations/not%20an%20id/retention')).status).toBe(400);
    const wrong = await apiRequest(t.url, 'PUT', path, { body: { seconds: 600 }, auth: { key: 'PKtest', secret: 'wrong-secret-wrong-secret-wrong-secret' } });
    expect(wrong.status).toBe(401);
    expect((await apiRequest(t.url, 'GET', path, { auth: false })).status).toBe(401);
    expect((await apiRequest(t.url, 'GET', path)).body.retentionSeconds).toBe(60);
  });
});
