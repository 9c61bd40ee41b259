import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;
let conv: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-store-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'normal' });
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
  conv = c.id;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function send(n: number, senderId = 'alice') {
  const out = [];
  for (let i = 0; i < n; i += 1) {
    out.push((await store.appendMessage({ conversationId: conv, senderId, clientId: null, kind: 'user', text: `t${i}`, replyTo: null, mentions: [] })).message);
  }
  return out;
}

const outboxTypes = async () => (await store.kysely.selectFrom('outbox').select('type').orderBy('id').execute()).map((r) => r.type);

describe('history', () => {
  it('pages backwards from the latest with hasMore', async () => {
    await send(12);
    const latest = await store.history(conv, { limit: 5 });
    expect(latest.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(latest.hasMore).toBe(true);
    const older = await store.history(conv, { beforeSeq: 8, limit: 5 });
    expect(older.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(older.hasMore).toBe(true);
    const oldest = await store.history(conv, { beforeSeq: 3, limit: 5 });
    expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(oldest.hasMore).toBe(false);
  });

  it('pages forwards after a seq with hasMore', async () => {
    await send(7);
    const first = await store.history(conv, { afterSeq: 0, limit: 4 });
    expect(first.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(first.hasMore).toBe(true);
    const rest = await store.history(conv, { afterSeq: 4, limit: 4 });
    expect(rest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(rest.hasMore).toBe(false);
  });

  it('answers an empty page for an empty conversation', async () => {
    expect(await store.history(conv, { limit: 10 })).toEqual({ messages: [], hasMore: false });
  });
});

describe('edits, deletes and reactions', () => {
  it('changesSince returns edited, deleted and reacted-to messages in rev order', async () => {
    const [m1, m2, m3] = await send(3);
    const base = (await store.getConversation(conv))?.lastRev ?? 0;
    expect(base).toBe(3);
    await store.editMessage(conv, m2!.id, 'edited', ['bob']);
    await store.react(conv, m1!.id, 'bob', '👍', true);
    await store.deleteMessage(conv, m3!.id);
    const page = await store.changesSince(conv, base, 10);
    expect(page.messages.map((m) => [m.id, m.rev])).toEqual([
      [m2!.id, 4],
      [m1!.id, 5],
      [m3!.id, 6],
    ]);
    expect(page).toMatchObject({ lastSeq: 3, lastRev: 6, hasMore: false });
    expect(page.messages[0]).toMatchObject({ text: 'edited', mentions: ['bob'] });
    expect(page.messages[0]?.editedAt).not.toBeNull();
    expect(page.messages[1]?.reactions).toEqual([{ emoji: '👍', userIds: ['bob'] }]);
    const limited = await store.changesSince(conv, 0, 2);
    expect(limited.messages.map((m) => m.seq)).toEqual([2, 1]);
    expect(limited.hasMore).toBe(true);
    expect(await outboxTypes()).toEqual([
      'conversation.created',
      'message.created',
      'message.created',
      'message.created',
      'message.updated',
      'reaction.changed',
      'message.deleted',
    ]);
  });

  it('a tombstone has no text, mentions or reactions, and deleting again changes nothing', async () => {
    const [m] = await send(1);
    await store.editMessage(conv, m!.id, 'with mention', ['bob']);
    await store.react(conv, m!.id, 'bob', '🎉', true);
    await store.react(conv, m!.id, 'alice', '🎉', true);
    const deleted = await store.deleteMessage(conv, m!.id);
    expect(deleted).toMatchObject({ text: '', mentions: [], reactions: [] });
    expect(deleted.deletedAt).not.toBeNull();
    const again = await store.deleteMessage(conv, m!.id);
    expect(again.rev).toBe(deleted.rev);
    expect(await store.getMessage(conv, m!.id)).toEqual(deleted);
    const reactionRows = await store.kysely.selectFrom('reactions').selectAll().execute();
    expect(reactionRows).toEqual([]);
    await expect(store.editMessage(conv, m!.id, 'x', [])).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.react(conv, m!.id, 'bob', '👍', true)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('groups reactions per emoji in the order they were made and bumps rev only on change', async () => {
    const [m] = await send(1);
    await store.react(conv, m!.id, 'bob', '👍', true);
    await store.react(conv, m!.id, 'alice', '❤️', true);
    const r = await store.react(conv, m!.id, 'alice', '👍', true);
    expect(r.reactions).toEqual([
      { emoji: '👍', userIds: ['bob', 'alice'] },
      { emoji: '❤️', userIds: ['alice'] },
    ]);
    const same = await store.react(conv, m!.id, 'alice', '👍', true);
    expect(same.rev).toBe(r.rev);
    const removed = await store.react(conv, m!.id, 'bob', '👍', false);
    expect(removed.rev).toBe(r.rev + 1);
    // Emoji are ordered by their earliest remaining reaction.
    expect(removed.reactions).toEqual([
      { emoji: '❤️', userIds: ['alice'] },
      { emoji: '👍', userIds: ['alice'] },
    ]);
    const noop = await store.react(conv, m!.id, 'bob', '👍', false);
    expect(noop.rev).toBe(removed.rev);
  });

  it('throws MESSAGE_NOT_FOUND for an unknown message', async () => {
    await expect(store.editMessage(conv, 'm_nope', 'x', [])).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    await expect(store.deleteMessage(conv, 'm_nope')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    await expect(store.react(conv, 'm_nope', 'bob', '👍', true)).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect(await store.getMessage(conv, 'm_nope')).toBeNull();
  });
});

describe('read state', () => {
  it('counts unread messages from others that are user messages and not deleted', async () => {
    const mine = await send(2, 'alice');
    const theirs = await send(3, 'bob');
    await store.appendMessage({ conversationId: conv, senderId: 'system', clientId: null, kind: 'system', text: 'joined', replyTo: null, mentions: [] });
    await store.deleteMessage(conv, theirs[0]!.id);
    expect((await store.getConversationWithState(conv, 'alice'))?.self.unreadCount).toBe(2);
    expect((await store.getConversationWithState(conv, 'bob'))?.self.unreadCount).toBe(2);
    expect(mine).toHaveLength(2);
  });

  it('markRead moves forward only and clamps to lastSeq', async () => {
    await send(5, 'bob');
    expect(await store.markRead(conv, 'alice', 3)).toEqual({ lastReadSeq: 3, unreadCount: 2 });
    expect(await store.markRead(conv, 'alice', 1)).toEqual({ lastReadSeq: 3, unreadCount: 2 });
    expect(await store.markRead(conv, 'alice', 99)).toEqual({ lastReadSeq: 5, unreadCount: 0 });
    expect((await store.getMembership(conv, 'alice'))?.lastReadSeq).toBe(5);
    await expect(store.markRead(conv, 'carol', 1)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(store.markRead('c_missing', 'alice', 1)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });
});
