import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../../testing/harness.js';
import type { RawSocket, TestServer } from '../../testing/harness.js';

describe('message requests', () => {
  let t: TestServer;
  let ana: RawSocket;
  let ben: RawSocket;
  let eve: RawSocket;
  let cid: string;
  beforeAll(async () => {
    t = await startTestServer({ maxTextBytes: 64 });
    ana = await t.connect('m-ana', { grants: { canCreate: ['direct', 'group', 'channel'] } });
    ben = await t.connect('m-ben');
    eve = await t.connect('m-eve');
    cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Chat', memberIds: ['m-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('send stores the message, acks it and fans it out to the room, the sender included', async () => {
    const toBen = nextEvent(ben, 'message:new', (m) => m.clientId === 's1');
    const toAna = nextEvent(ana, 'message:new', (m) => m.clientId === 's1');
    const message = await ok(ana, 'message:send', { conversationId: cid, clientId: 's1', text: 'Elm St light is out' });
    expect(message).toMatchObject({ conversationId: cid, senderId: 'm-ana', text: 'Elm St light is out', kind: 'user' });
    expect(message.seq).toBeGreaterThan(0);
    expect(await toBen).toEqual(message);
    expect(await toAna).toEqual(message);
  });

  it('send with the same clientId twice stores one message and fans out once', async () => {
    const seen = collect(ben, 'message:new');
    const first = await ok(ana, 'message:send', { conversationId: cid, clientId: 'dup', text: 'once' });
    const second = await ok(ana, 'message:send', { conversationId: cid, clientId: 'dup', text: 'once' });
    expect(second.id).toBe(first.id);
    await settle(ben);
    expect(seen.filter((m) => m.clientId === 'dup')).toHaveLength(1);
  });

  it('send with a reused clientId and different text is CONFLICT, not the first message', async () => {
    const first = await ok(ana, 'message:send', { conversationId: cid, clientId: 'reuse', text: 'first' });
    const conflict = await fails(ana, 'message:send', { conversationId: cid, clientId: 'reuse', text: 'second' });
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toMatch(/clientId reuse was already used for another message/);
    expect((await ok(ana, 'message:send', { conversationId: cid, clientId: 'reuse', text: 'first' })).id).toBe(first.id);
  });

  it('sends pipelined on one socket are stored in the order they were sent', async () => {
    const first = await ok(ana, 'message:send', { conversationId: cid, clientId: 'p0', text: 'anchor' });
    const sends = Array.from({ length: 20 }, (_, i) =>
      ok(ana, 'message:send', {
        conversationId: cid,
        clientId: `p${i + 1}`,
        text: `n${i + 1}`,
        // Vary the checks (replyTo, mentions) so requests need different numbers of round trips.
        ...(i % 3 === 0 ? { replyTo: first.id } : {}),
        ...(i % 3 === 1 ? { mentions: ['m-ben'] } : {}),
      }),
    );
    const stored = await Promise.all(sends);
    const seqs = stored.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(first.seq + 1);
  });

  it('send by a non-member is NOT_A_MEMBER and to an unknown conversation CONVERSATION_NOT_FOUND', async () => {
    expect((await fails(eve, 'message:send', { conversationId: cid, clientId: 'e', text: 'hi' })).code).toBe('NOT_A_MEMBER');
    expect((await fails(ana, 'message:send', { conversationId: 'c_nope', clientId: 'e', text: 'hi' })).code).toBe('CONVERSATION_NOT_FOUND');
  });

  it('send refuses blank text and text above maxTextBytes (counted in UTF-8 bytes)', async () => {
    expect((await fails(ana, 'message:send', { conversationId: cid, clientId: 'b', text: '  \n ' })).code).toBe('INVALID_REQUEST');
    const tooBig = await fails(ana, 'message:send', { conversationId: cid, clientId: 'big', text: 'é'.repeat(33) });
    expect(tooBig.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooBig.details?.limit).toBe(64);
    await ok(ana, 'message:send', { conversationId: cid, clientId: 'fits', text: 'é'.repeat(32) });
  });

  it('send and edit refuse text with a lone surrogate instead of storing U+FFFD', async () => {
    expect((await fails(ana, 'message:send', { conversationId: cid, clientId: 'lone', text: 'a\uD800b' })).code).toBe('INVALID_REQUEST');
    const m = await ok(ana, 'message:send', { conversationId: cid, clientId: 'pair', text: 'a😀b' });
    expect(m.text).toBe('a😀b');
    expect((await fails(ana, 'message:edit', { conversationId: cid, messageId: m.id, text: 'x\uDC00' })).code).toBe('INVALID_REQUEST');
    expect((await t.server.store.getMessage(cid, m.id))?.text).toBe('a😀b');
  });

  it('send refuses text that is only whitespace and invisible format characters', async () => {
    const invisible = await fails(ana, 'message:send', { conversationId: cid, clientId: 'zw', text: '\u200b\u200d \uFEFF\u202E' });
    expect(invisible.code).toBe('INVALID_REQUEST');
    await ok(ana, 'message:send', { conversationId: cid, clientId: 'zw2', text: '\u200bvisible' });
  });

  it('send checks replyTo and keeps only mentions of members', async () => {
    const original = await ok(ana, 'message:send', { conversationId: cid, clientId: 'orig', text: 'question' });
    const reply = await ok(ben, 'message:send', {
      conversationId: cid,
      clientId: 'reply',
      text: 'answer',
      replyTo: original.id,
      mentions: ['m-ana', 'm-eve', 'm-ana'],
    });
    expect(reply.replyTo).toBe(original.id);
    expect(reply.mentions).toEqual(['m-ana']);
    expect((await fails(ben, 'message:send', { conversationId: cid, clientId: 'r2', text: 'x', replyTo: 'm_missing' })).code).toBe(
      'MESSAGE_NOT_FOUND',
    );
  });

  it('in a channel only owners and moderators post', async () => {
    const channel = (await ok(ana, 'conversation:create', { kind: 'channel', title: 'News', memberIds: ['m-ben'] })).id;
    expect((await fails(ben, 'message:send', { conversationId: channel, clientId: 'c1', text: 'me too' })).code).toBe('FORBIDDEN_ROLE');
    await ok(ana, 'message:send', { conversationId: channel, clientId: 'c1', text: 'road works tomorrow' });
    await ok(ana, 'conversation:setRole', { conversationId: channel, userId: 'm-ben', role: 'moderator' });
    await ok(ben, 'message:send', { conversationId: channel, clientId: 'c2', text: 'and the day after' });
  });

  it('edit is for the author only and tells the room', async () => {
    const m = await ok(ana, 'message:send', { conversationId: cid, clientId: 'ed', text: 'typo' });
    expect((await fails(ben, 'message:edit', { conversationId: cid, messageId: m.id, text: 'hijack' })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(ana, 'message:edit', { conversationId: cid, messageId: m.id, text: 'x'.repeat(65) })).code).toBe('PAYLOAD_TOO_LARGE');
    const updated = nextEvent(ben, 'message:updated', (u) => u.id === m.id);
    const edited = await ok(ana, 'message:edit', { conversationId: cid, messageId: m.id, text: 'fixed' });
    expect(edited.text).toBe('fixed');
    expect(edited.editedAt).not.toBeNull();
    expect((await updated).text).toBe('fixed');
  });

  it('delete is for the author or a moderator and leaves a tombstone', async () => {
    const m = await ok(ben, 'message:send', { conversationId: cid, clientId: 'del', text: 'oops' });
    const own = await ok(ana, 'message:send', { conversationId: cid, clientId: 'del2', text: 'mine' });
    expect((await fails(ben, 'message:delete', { conversationId: cid, messageId: own.id })).code).toBe('FORBIDDEN_ROLE');
    const deleted = await ok(ana, 'message:delete', { conversationId: cid, messageId: m.id });
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.text).toBe('');
    expect((await fails(ana, 'message:delete', { conversationId: cid, messageId: 'm_nope' })).code).toBe('MESSAGE_NOT_FOUND');
  });

  it('react adds and removes a reaction and tells the room', async () => {
    const m = await ok(ana, 'message:send', { conversationId: cid, clientId: 'react', text: 'vote' });
    const updated = nextEvent(ana, 'message:updated', (u) => u.id === m.id);
    const reacted = await ok(ben, 'message:react', { conversationId: cid, messageId: m.id, emoji: '👍', add: true });
    expect(reacted.reactions).toEqual([{ emoji: '👍', userIds: ['m-ben'] }]);
    expect((await updated).reactions).toHaveLength(1);
    const removed = await ok(ben, 'message:react', { conversationId: cid, messageId: m.id, emoji: '👍', add: false });
    expect(removed.reactions).toEqual([]);
    expect((await fails(eve, 'message:react', { conversationId: cid, messageId: m.id, emoji: '👍', add: true })).code).toBe('NOT_A_MEMBER');
  });

  it('history pages by seq and sync returns changes since a revision', async () => {
    const room = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Pages', memberIds: ['m-ben'] })).id;
    for (let i = 1; i <= 5; i++) await ok(ana, 'message:send', { conversationId: room, clientId: `h${i}`, text: `n${i}` });
    const latest = await ok(ben, 'message:history', { conversationId: room, limit: 2 });
    expect(latest.messages.map((m) => m.text)).toEqual(['n4', 'n5']);
    expect(latest.hasMore).toBe(true);
    const before = await ok(ben, 'message:history', { conversationId: room, beforeSeq: 4 });
    expect(before.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect((await fails(ben, 'message:history', { conversationId: room, beforeSeq: 4, afterSeq: 1 })).code).toBe('INVALID_REQUEST');
    expect((await fails(eve, 'message:history', { conversationId: room })).code).toBe('NOT_A_MEMBER');
    const sync = await ok(ben, 'message:sync', { conversationId: room, afterRev: 3 });
    expect(sync.messages.map((m) => m.text)).toEqual(['n4', 'n5']);
    expect(sync.lastSeq).toBe(5);
  });

  it('read:mark moves the read position and tells the room', async () => {
    const room = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Read', memberIds: ['m-ben'] })).id;
    await ok(ana, 'message:send', { conversationId: room, clientId: 'r1', text: 'one' });
    await ok(ana, 'message:send', { conversationId: room, clientId: 'r2', text: 'two' });
    expect((await ok(ben, 'conversation:get', { conversationId: room })).self.unreadCount).toBe(2);
    const updated = nextEvent(ana, 'read:updated', (e) => e.conversationId === room);
    const state = await ok(ben, 'read:mark', { conversationId: room, seq: 1 });
    expect(state).toEqual({ lastReadSeq: 1, unreadCount: 1 });
    expect(await updated).toEqual({ conversationId: room, userId: 'm-ben', lastReadSeq: 1 });
    expect((await fails(eve, 'read:mark', { conversationId: room, seq: 1 })).code).toBe('NOT_A_MEMBER');
  });

  it('typing:set reaches the other members but not the sender', async () => {
    const own = collect(ana, 'typing');
    const typing = nextEvent(ben, 'typing', (e) => e.conversationId === cid);
    await ok(ana, 'typing:set', { conversationId: cid, typing: true });
    expect(await typing).toEqual({ conversationId: cid, userId: 'm-ana', typing: true });
    await settle(ana);
    expect(own).toEqual([]);
    expect((await fails(eve, 'typing:set', { conversationId: cid, typing: true })).code).toBe('NOT_A_MEMBER');
  });
});
