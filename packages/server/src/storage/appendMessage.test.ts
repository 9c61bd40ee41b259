import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage } from './ChatStore.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;
const open = (opts: { maxBatchSize?: number } = {}) => createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'full', ...opts });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-store-'));
  store = open();
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function group(members = ['alice', 'bob']): Promise<string> {
  const c = await store.createConversation({
    kind: 'group',
    title: 'g',
    topic: null,
    externalRef: null,
    createdBy: members[0] ?? 'alice',
    members: members.map((userId, i) => ({ userId, role: i === 0 ? 'owner' : 'member' })),
  });
  return c.id;
}

const msg = (conversationId: string, over: Partial<NewMessage> = {}): NewMessage => ({
  conversationId,
  senderId: 'alice',
  clientId: null,
  kind: 'user',
  text: 'hello',
  replyTo: null,
  mentions: [],
  ...over,
});

describe('appendMessage', () => {
  it('assigns gapless seqs under 500 concurrent appends across 10 conversations', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => group()));
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.appendMessage(msg(ids[i % 10] as string, { clientId: `k${i}`, text: `t${i}` }))),
    );
    for (const id of ids) {
      const seqs = results.filter((r) => r.message.conversationId === id).map((r) => r.message.seq);
      expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const page = await store.history(id, { limit: 100 });
      expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store.getConversation(id))?.lastSeq).toBe(50);
    }
    expect(results.every((r) => !r.duplicate)).toBe(true);
  });

  it('stores one message for the same clientId sent twice, in separate batches', async () => {
    const id = await group();
    const first = await store.appendMessage(msg(id, { clientId: 'same', text: 'one' }));
    const second = await store.appendMessage(msg(id, { clientId: 'same', text: 'one' }));
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.message).toEqual(first.message);
    expect((await store.history(id, { limit: 10 })).messages).toHaveLength(1);
  });

  it('stores one message for the same clientId sent twice within one batch', async () => {
    const id = await group();
    const [a, b] = await Promise.all([
      store.appendMessage(msg(id, { clientId: 'same', text: 'one' })),
      store.appendMessage(msg(id, { clientId: 'same', text: 'one' })),
    ]);
    expect(a?.duplicate).toBe(false);
    expect(b?.duplicate).toBe(true);
    expect(b?.message.id).toBe(a?.message.id);
    expect(store.appendStats.transactions).toBe(1);
    expect((await store.history(id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['one']);
  });

  it('answers CONFLICT for the same clientId with different text, in separate batches and within one', async () => {
    const id = await group();
    const first = await store.appendMessage(msg(id, { clientId: 'reused', text: 'one' }));
    const other = await store.appendMessage(msg(id, { clientId: 'reused', text: 'two' })).catch((e: unknown) => e);
    expect(other).toMatchObject({ code: 'CONFLICT', message: 'clientId reused was already used for another message' });
    const retry = await store.appendMessage(msg(id, { clientId: 'reused', text: 'one' }));
    expect(retry).toEqual({ message: first.message, duplicate: true });
    const [a, b] = await Promise.allSettled([
      store.appendMessage(msg(id, { clientId: 'batch', text: 'one' })),
      store.appendMessage(msg(id, { clientId: 'batch', text: 'two' })),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    expect((await store.history(id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['one', 'one']);
  });

  it('answers a retry of an edited message as a duplicate, not CONFLICT', async () => {
    const id = await group();
    const first = await store.appendMessage(msg(id, { clientId: 'ed', text: 'draft' }));
    await store.editMessage(id, first.message.id, 'final', []);
    const retry = await store.appendMessage(msg(id, { clientId: 'ed', text: 'draft' }));
    expect(retry.duplicate).toBe(true);
    expect(retry.message.id).toBe(first.message.id);
  });

  it('treats the same clientId from different senders as different messages', async () => {
    const id = await group();
    const [a, b] = await Promise.all([
      store.appendMessage(msg(id, { clientId: 'same', senderId: 'alice' })),
      store.appendMessage(msg(id, { clientId: 'same', senderId: 'bob' })),
    ]);
    expect(a?.duplicate).toBe(false);
    expect(b?.duplicate).toBe(false);
    expect(b?.message.seq).toBe(2);
  });

  it('commits concurrent appends in fewer transactions than appends (group commit)', async () => {
    const id = await group();
    const before = store.appendStats.transactions;
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.appendMessage(msg(id, { clientId: `c${i}` }))));
    const used = store.appendStats.transactions - before;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThan(200);
    expect(store.appendStats.largestBatch).toBeGreaterThan(1);
    expect(store.appendStats.messages).toBe(200);
  });

  it('splits a burst larger than maxBatchSize into several transactions, still gapless', async () => {
    await store.close();
    store = open({ maxBatchSize: 7 });
    const id = await group();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.appendMessage(msg(id))));
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(store.appendStats.largestBatch).toBe(7);
    expect(store.appendStats.transactions).toBe(8);
  });

  it('rejects only the append to a missing conversation, not the rest of its batch', async () => {
    const id = await group();
    const [ok, missing, ok2] = await Promise.allSettled([
      store.appendMessage(msg(id)),
      store.appendMessage(msg('c_doesnotexist0000000')),
      store.appendMessage(msg(id)),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(ok2.status).toBe('fulfilled');
    expect(missing.status).toBe('rejected');
    expect(missing.status === 'rejected' && missing.reason.code).toBe('CONVERSATION_NOT_FOUND');
    expect(store.appendStats.transactions).toBe(1);
  });

  it('rejects malformed input at once without touching the batch', async () => {
    const id = await group();
    const good = store.appendMessage(msg(id));
    await expect(store.appendMessage({ ...msg(id), text: 42 as unknown as string })).rejects.toThrow(TypeError);
    await expect(good).resolves.toMatchObject({ duplicate: false });
  });

  it('rejects every caller of a batch whose transaction fails, and stores none of them', async () => {
    const id = await group();
    // A trigger that fails the third insert makes the whole batch's transaction fail.
    const { sql } = await import('kysely');
    await sql`create trigger fail_third before insert on messages when new.seq = 3 begin select raise(abort, 'boom'); end`.execute(
      store.kysely,
    );
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.appendMessage(msg(id))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect((await store.history(id, { limit: 10 })).messages).toEqual([]);
    expect((await store.getConversation(id))?.lastSeq).toBe(0);
    expect(store.appendStats.failedTransactions).toBe(1);
    await sql`drop trigger fail_third`.execute(store.kysely);
    const after = await store.appendMessage(msg(id));
    expect(after.message.seq).toBe(1);
  });

  it('a batch never joins another open transaction: rolling that one back keeps the acked message', async () => {
    const id = await group();
    let appended: Promise<unknown> | undefined;
    const other = store.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('outbox').values({ type: 'test.rolled_back', payload: '{}', created_at: 'x', delivered_at: null }).execute();
      appended = store.appendMessage(msg(id, { clientId: 'outside' }));
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('roll back');
    });
    await expect(other).rejects.toThrow('roll back');
    const { message } = (await appended) as { message: { id: string } };
    expect(await store.getMessage(id, message.id)).not.toBeNull();
    const rolledBack = await store.kysely.selectFrom('outbox').selectAll().where('type', '=', 'test.rolled_back').execute();
    expect(rolledBack).toEqual([]);
  });

  it('writes one message.created outbox row per stored message, none for duplicates', async () => {
    const id = await group();
    await Promise.all([store.appendMessage(msg(id, { clientId: 'a' })), store.appendMessage(msg(id, { clientId: 'a' })), store.appendMessage(msg(id))]);
    const rows = await store.kysely.selectFrom('outbox').selectAll().where('type', '=', 'message.created').execute();
    expect(rows).toHaveLength(2);
    const payload = JSON.parse(rows[0]?.payload ?? '{}');
    expect(payload.conversationId).toBe(id);
    expect(payload.message.seq).toBe(1);
    expect(rows.every((r) => r.delivered_at === null)).toBe(true);
  });

  it('keeps an acknowledged message after the file is closed and reopened', async () => {
    const id = await group();
    const { message } = await store.appendMessage(msg(id, { clientId: 'keep', text: 'durable' }));
    await store.close();
    store = open();
    expect(await store.getMessage(id, message.id)).toEqual(message);
    const again = await store.appendMessage(msg(id, { clientId: 'keep', text: 'durable' }));
    expect(again.duplicate).toBe(true);
  });

  it('close() waits for appends already queued', async () => {
    const id = await group();
    const pending = Array.from({ length: 20 }, () => store.appendMessage(msg(id)));
    await store.close();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await expect(store.appendMessage(msg(id))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    store = open();
    expect((await store.getConversation(id))?.lastSeq).toBe(20);
  });

  it('generates ids of the documented shape', async () => {
    const id = await group();
    const { message } = await store.appendMessage(msg(id));
    expect(id).toMatch(/^c_[0-9A-Za-z]{20}$/);
    expect(message.id).toMatch(/^m_[0-9A-Za-z]{20}$/);
    expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt);
  });
});
