import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxEventType, writeOutbox } from './outbox.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

/** `webhooks.onOutboxWritten`: raised after commits that wrote outbox rows, and only then. */

let dir: string;
let store: SqliteChatStore;
let signals: number;
let stop: () => void;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-outbox-signal-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
  await store.migrate();
  signals = 0;
  stop = store.webhooks.onOutboxWritten(() => {
    signals += 1;
  });
});
afterEach(async () => {
  stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const newConversation = () =>
  store.createConversation({ kind: 'group', title: 'Signal', topic: null, externalRef: null, createdBy: 'alice', members: [{ userId: 'alice', role: 'owner' }] });

describe('outbox signal', () => {
  it('is raised once per commit that wrote outbox rows: a store transaction, a batch of appends, a statement outside a transaction', async () => {
    const conversation = await newConversation();
    expect(signals).toBe(1);
    const append = (text: string) =>
      store.appendMessage({ conversationId: conversation.id, senderId: 'alice', clientId: null, kind: 'user', text, replyTo: null, mentions: [] });
    // Appends of one event-loop turn share one transaction: one signal.
    await Promise.all([append('a'), append('b'), append('c')]);
    expect(store.appendStats.largestBatch).toBe(3);
    expect(signals).toBe(2);
    await writeOutbox(store.kysely, OutboxEventType.callStarted, { conversationId: conversation.id }, new Date().toISOString());
    expect(signals).toBe(3);
  });

  it('is not raised by reads, by writes without outbox rows, by a rolled-back transaction or after the listener is removed', async () => {
    const conversation = await newConversation();
    signals = 0;
    await store.history(conversation.id, { limit: 20 });
    await store.getConversation(conversation.id);
    await store.upsertUser({ id: 'bob', name: 'Bob', metadata: null });
    await store.webhooks.initCursor();
    await expect(
      store.kysely.transaction().execute(async (trx) => {
        await writeOutbox(trx, OutboxEventType.callStarted, { conversationId: conversation.id }, new Date().toISOString());
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await store.webhooks.lastEventId()).toBe(1);
    expect(signals).toBe(0);
    stop();
    await store.recordEvents([{ type: OutboxEventType.callEnded, payload: { conversationId: conversation.id } }]);
    expect(await store.webhooks.lastEventId()).toBe(2);
    expect(signals).toBe(0);
  });
});
