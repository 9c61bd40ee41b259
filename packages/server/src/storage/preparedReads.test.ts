import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';
import { groupConversation as group } from './testing.js';

let dir: string;
let store: SqliteChatStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-reads-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'normal' });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});


describe('hot-path reads', () => {
  it('getConversationForMember returns the conversation with the membership, or without it for a non-member', async () => {
    const conv = await store.createConversation(group('ana', 'ben'));
    const forBen = await store.getConversationForMember(conv.id, 'ben');
    expect(forBen?.conversation).toEqual(await store.getConversation(conv.id));
    expect(forBen?.membership).toEqual(await store.getMembership(conv.id, 'ben'));
    expect(forBen?.membership).toMatchObject({ conversationId: conv.id, userId: 'ben', role: 'member', lastReadSeq: 0 });
    const forEve = await store.getConversationForMember(conv.id, 'eve');
    expect(forEve).toEqual({ conversation: forBen?.conversation, membership: null });
    expect(await store.getConversationForMember('nope', 'ben')).toBeNull();
  });

  it('reads see committed changes: counters, members, roles', async () => {
    const conv = await store.createConversation(group('ana', 'ben'));
    await store.appendMessage({ conversationId: conv.id, senderId: 'ana', clientId: null, kind: 'user', text: 'hi', replyTo: null, mentions: [] });
    await store.addMembers(conv.id, [{ userId: 'cy', role: 'member' }]);
    await store.setRole(conv.id, 'ben', 'moderator');
    expect(await store.getConversation(conv.id)).toMatchObject({ lastSeq: 1, memberCount: 3 });
    expect((await store.getConversationForMember(conv.id, 'ben'))?.membership?.role).toBe('moderator');
    expect(await store.getMembership(conv.id, 'cy')).not.toBeNull();
    await store.removeMember(conv.id, 'cy');
    expect(await store.getMembership(conv.id, 'cy')).toBeNull();
  });

  it('conversationIdsOf leaves out conversations at or above belowMemberCount', async () => {
    const small = await store.createConversation(group('ana', 'ben'));
    const large = await store.createConversation(group('ana', 'ben', 'cy', 'dee'));
    expect((await store.conversationIdsOf('ana')).sort()).toEqual([small.id, large.id].sort());
    expect(await store.conversationIdsOf('ana', { belowMemberCount: 4 })).toEqual([small.id]);
    expect(await store.conversationIdsOf('ana', { belowMemberCount: 5 })).toHaveLength(2);
    expect(await store.conversationIdsOf('nobody')).toEqual([]);
  });

  it('a read made while another transaction is open waits for it and never sees its uncommitted writes', async () => {
    const conv = await store.createConversation(group('ana'));
    let pending: Promise<unknown> | undefined;
    await expect(
      store.kysely.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ id: 'ghost', name: 'Ghost', metadata: null, created_at: 'x', updated_at: 'x' }).execute();
        await trx.insertInto('members').values({ conversation_id: conv.id, user_id: 'ghost', role: 'member', last_read_seq: 0, joined_at: 'x' }).execute();
        pending = store.getMembership(conv.id, 'ghost');
        // Let the read start while this transaction is still open.
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await pending).toBeNull();
  });

  it('answers UNAVAILABLE after close', async () => {
    await store.close();
    await expect(store.getConversation('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('history pages (latest, before, after, between) hold the same messages, reactions and attachments as reading each message alone', async () => {
    const conv = await store.createConversation(group('ana', 'ben'));
    const send = (text: string, attachments?: string[]) =>
      store.appendMessage({ conversationId: conv.id, senderId: 'ana', clientId: null, kind: 'user', text, replyTo: null, mentions: ['ben'], ...(attachments ? { attachments } : {}) });
    const file = (id: string) =>
      store.insertFile({ id, conversationId: conv.id, uploaderId: 'ana', name: `${id}.png`, size: 10, mimeType: 'image/png', sha256: '0'.repeat(64), width: 4, height: 3, thumbnailMime: null, storageKey: id });
    await file('f_a');
    await file('f_b');
    await file('f_c');
    const ids: string[] = [];
    for (let i = 1; i <= 12; i += 1) {
      const attachments = i === 3 ? ['f_a', 'f_b'] : i === 7 ? ['f_c'] : undefined;
      ids.push((await send(`m${i}`, attachments)).message.id);
    }
    await store.react(conv.id, ids[2]!, 'ben', '👍', true);
    await store.react(conv.id, ids[2]!, 'ana', '👍', true);
    await store.react(conv.id, ids[2]!, 'ben', '🎉', true);
    await store.react(conv.id, ids[6]!, 'ana', '🎉', true);
    await store.react(conv.id, ids[6]!, 'ben', '👍', true);
    await store.deleteMessage(conv.id, ids[6]!);
    const alone = async (from: number, to: number) => Promise.all(ids.slice(from - 1, to).map((id) => store.getMessage(conv.id, id)));

    const latest = await store.history(conv.id, { limit: 5 });
    expect(latest).toEqual({ messages: await alone(8, 12), hasMore: true });
    const before = await store.history(conv.id, { beforeSeq: 8, limit: 5 });
    expect(before).toEqual({ messages: await alone(3, 7), hasMore: true });
    expect(before.messages[0]).toMatchObject({ seq: 3, reactions: [{ emoji: '👍', userIds: ['ben', 'ana'] }, { emoji: '🎉', userIds: ['ben'] }] });
    expect(before.messages[0]?.attachments.map((a) => a.fileId)).toEqual(['f_a', 'f_b']);
    expect(before.messages[4]).toMatchObject({ seq: 7, reactions: [], attachments: [] });
    expect(await store.history(conv.id, { afterSeq: 0, limit: 4 })).toEqual({ messages: await alone(1, 4), hasMore: true });
    expect(await store.history(conv.id, { afterSeq: 9, limit: 5 })).toEqual({ messages: await alone(10, 12), hasMore: false });
    expect(await store.history(conv.id, { afterSeq: 1, beforeSeq: 4, limit: 5 })).toEqual({ messages: await alone(2, 3), hasMore: false });
    expect(await store.history(conv.id, { beforeSeq: 1, limit: 5 })).toEqual({ messages: [], hasMore: false });
    expect(await store.history('nope', { limit: 5 })).toEqual({ messages: [], hasMore: false });
  });
});
