import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewConversation } from './ChatStore.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

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

const group = (createdBy: string, ...others: string[]): NewConversation => ({
  kind: 'group',
  title: 'Street lights',
  topic: null,
  externalRef: null,
  createdBy,
  members: [{ userId: createdBy, role: 'owner' }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
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
});
