import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepRetention } from '../retention.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-outbox-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function conversation(): Promise<string> {
  const c = await store.createConversation({
    kind: 'group',
    title: 'g',
    topic: null,
    externalRef: null,
    createdBy: 'alice',
    members: [
      { userId: 'alice', role: 'owner' },
      { userId: 'bob', role: 'member' },
    ],
  });
  return c.id;
}

async function send(conversationId: string, text: string) {
  const { message } = await store.appendMessage({
    conversationId,
    senderId: 'alice',
    clientId: null,
    kind: 'user',
    text,
    replyTo: null,
    mentions: ['bob'],
  });
  return message;
}

/** Every outbox payload, as stored text. */
async function outboxText(): Promise<string> {
  const rows = await store.kysely.selectFrom('outbox').select('payload').execute();
  return rows.map((r) => r.payload).join('\n');
}

describe('outbox privacy', () => {
  it('deleting a message erases its text from the earlier outbox rows', async () => {
    const id = await conversation();
    const m = await send(id, 'my phone is 555-0199');
    await store.react(id, m.id, 'bob', '👍', true);
    expect(await outboxText()).toContain('555-0199');
    await store.deleteMessage(id, m.id);
    expect(await outboxText()).not.toContain('555-0199');
    const rows = await store.kysely.selectFrom('outbox').selectAll().where('message_id', '=', m.id).orderBy('id').execute();
    expect(rows.map((r) => r.type)).toEqual(['message.created', 'reaction.changed', 'message.deleted']);
    const created = JSON.parse(rows[0]?.payload ?? '{}');
    expect(created).toMatchObject({ conversationId: id, textRemoved: true, message: { id: m.id, text: '', mentions: [] } });
  });

  it('editing a message erases the old text from earlier outbox rows and keeps only the new text', async () => {
    const id = await conversation();
    const m = await send(id, 'first draft with a secret');
    await store.editMessage(id, m.id, 'second version', []);
    await store.editMessage(id, m.id, 'final version', []);
    const text = await outboxText();
    expect(text).not.toContain('first draft with a secret');
    expect(text).not.toContain('second version');
    expect(text).toContain('final version');
  });

  it('leaves the outbox rows of other messages alone', async () => {
    const id = await conversation();
    const keep = await send(id, 'keep me');
    const gone = await send(id, 'delete me');
    await store.deleteMessage(id, gone.id);
    const text = await outboxText();
    expect(text).toContain('keep me');
    expect(text).not.toContain('delete me');
    expect(keep.text).toBe('keep me');
  });
});

describe('retention sweep', () => {
  it('deletes outbox rows older than outboxRetentionHours and audit rows older than auditRetentionDays', async () => {
    const id = await conversation();
    await send(id, 'hello');
    await store.audit({ action: 'test.old', actorId: 'alice', target: null, outcome: 'allowed', reason: null, ip: null, details: null });
    const outboxBefore = (await store.kysely.selectFrom('outbox').select('id').execute()).length;
    expect(outboxBefore).toBeGreaterThan(0);
    const policy = { outboxRetentionHours: 72, auditRetentionDays: 365 };

    // Within both windows: nothing goes.
    expect(await sweepRetention(store, policy, new Date(Date.now() + 71 * 3_600_000))).toEqual({ outbox: 0, audit: 0 });
    // Past the outbox window only.
    expect(await sweepRetention(store, policy, new Date(Date.now() + 73 * 3_600_000))).toEqual({ outbox: outboxBefore, audit: 0 });
    expect(await store.kysely.selectFrom('outbox').select('id').execute()).toEqual([]);
    expect(await store.listAudit({ limit: 10 })).toHaveLength(1);
    // Past the audit window.
    expect(await sweepRetention(store, policy, new Date(Date.now() + 366 * 86_400_000))).toEqual({ outbox: 0, audit: 1 });
    expect(await store.listAudit({ limit: 10 })).toEqual([]);
    // Messages themselves are not touched by the sweep.
    expect((await store.history(id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['hello']);
  });
});
