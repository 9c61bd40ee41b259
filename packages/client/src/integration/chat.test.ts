import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../Conversation.js';
import { InvalidStateError, PlazaError } from '../errors.js';
import { startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

function collect(conv: Conversation) {
  const messages: Message[] = [];
  const updates: Message[] = [];
  conv.on('message', (m) => messages.push(m));
  conv.on('messageUpdated', (m) => updates.push(m));
  return { messages, updates };
}

describe('PlazaClient against a real server', { timeout: 30_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('two clients chat: each message arrives once, in order, on both sides (own messages too)', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    expect(alice.state).toBe('connected');
    expect(alice.user?.id).toBe('alice');

    const bobAdded: Conversation[] = [];
    bob.conversations.on('added', (c) => bobAdded.push(c));
    const conv = await alice.conversations.openDirect('bob');
    expect(conv.kind).toBe('direct');
    const mine = collect(conv);
    await waitFor(() => bobAdded.length === 1, 10_000, 'bob learns the conversation');
    const bobConv = bobAdded[0] as Conversation;
    expect(bobConv.id).toBe(conv.id);
    const theirs = collect(bobConv);

    const sent = await Promise.all(['one', 'two', 'three'].map((t) => conv.send(t)));
    expect(sent.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(sent.map((m) => m.seq)).toEqual([sent[0]!.seq, sent[0]!.seq + 1, sent[0]!.seq + 2]);

    await waitFor(() => theirs.messages.length >= 3, 10_000, 'bob receives three messages');
    const reply = await bobConv.send('hello alice');
    await waitFor(() => mine.messages.length >= 4, 10_000, 'alice receives the reply');
    await new Promise((r) => setTimeout(r, 100));

    expect(mine.messages.map((m) => m.text)).toEqual(['one', 'two', 'three', 'hello alice']);
    expect(theirs.messages.map((m) => m.text)).toEqual(['one', 'two', 'three', 'hello alice']);
    expect(mine.messages.map((m) => m.seq)).toEqual([...sent.map((m) => m.seq), reply.seq]);
    expect(conv.lastSeq).toBe(reply.seq);
    expect(bobConv.unreadCount).toBe(3);
    expect(alice.outbox.pending).toEqual([]);
  });

  it('send() with the same clientId twice stores one message and delivers it once', async () => {
    const alice = await h.client('alice');
    await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const got = collect(conv);
    const a = await conv.send('once', { clientId: 'fixed-client-id-1' });
    const b = await conv.send('once', { clientId: 'fixed-client-id-1' });
    expect(b.id).toBe(a.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.messages.map((m) => m.id)).toEqual([a.id]);
  });

  it('history pages through stored messages in seq order', async () => {
    const alice = await h.client('alice');
    const group = await alice.conversations.create({ kind: 'group', title: 'Street lights' });
    for (let i = 1; i <= 5; i++) await group.send(`m${i}`);
    const latest = await group.history({ limit: 3 });
    expect(latest.messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5']);
    expect(latest.hasMore).toBe(true);
    const older = await group.history({ beforeSeq: latest.messages[0]!.seq, limit: 50 });
    expect(older.messages.map((m) => m.text).filter((t) => t.startsWith('m'))).toEqual(['m1', 'm2']);
    expect(older.hasMore).toBe(false);
  });

  it('edit, delete, react and unreact reach every member as messageUpdated, once each', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    const mine = collect(conv);
    const theirs = collect(bobConv);
    const m = await conv.send('street light out');
    await waitFor(() => theirs.messages.length === 1);

    const edited = await conv.edit(m.id, 'street light out on Elm St');
    expect(edited.editedAt).not.toBeNull();
    await bobConv.react(m.id, '👍');
    await bobConv.unreact(m.id, '👍');
    await bobConv.react(m.id, '🙏');
    const deleted = await conv.delete(m.id);
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.text).toBe('');

    await waitFor(() => mine.updates.length >= 5 && theirs.updates.length >= 5, 10_000, 'updates on both sides');
    await new Promise((r) => setTimeout(r, 100));
    for (const side of [mine, theirs]) {
      expect(side.updates.map((u) => u.rev)).toEqual([...new Set(side.updates.map((u) => u.rev))]);
      expect(side.updates).toHaveLength(5);
      expect(side.updates[0]?.text).toBe('street light out on Elm St');
      expect(side.updates[3]?.reactions).toEqual([{ emoji: '🙏', userIds: ['bob'] }]);
      expect(side.updates[4]?.deletedAt).not.toBeNull();
    }
    await expect(conv.edit(m.id, 'again')).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('read receipts, typing and presence reach the other member', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    const reads: [string, number][] = [];
    const typing: [string, boolean][] = [];
    conv.on('read', (u, s) => reads.push([u, s]));
    bobConv.on('typing', (u, t) => typing.push([u, t]));

    const m = await conv.send('please confirm');
    await waitFor(() => bobConv.lastSeq === m.seq);
    expect(bobConv.unreadCount).toBe(1);
    await bobConv.markRead();
    expect(bobConv.unreadCount).toBe(0);
    expect(bobConv.lastReadSeq).toBe(m.seq);
    await waitFor(() => reads.some(([u, s]) => u === 'bob' && s === m.seq), 10_000, 'read receipt');

    conv.setTyping(true);
    await waitFor(() => typing.some(([u, t]) => u === 'alice' && t), 10_000, 'typing');
    conv.setTyping(false);
    await waitFor(() => typing.some(([u, t]) => u === 'alice' && !t), 10_000, 'typing stopped');

    const changes: string[] = [];
    alice.presence.on('changed', (p) => changes.push(`${p.userId}:${p.status}`));
    const mine = await bob.presence.set('busy', 'in a meeting');
    expect(mine.status).toBe('busy');
    await waitFor(() => changes.includes('bob:busy'), 10_000, 'presence change');
    const [bobPresence] = await alice.presence.get(['bob']);
    expect(bobPresence).toMatchObject({ userId: 'bob', status: 'busy', statusText: 'in a meeting' });
  });

  it('group members: added users learn the conversation, member events and removal arrive', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    const carol = await h.client('carol');
    const group = await alice.conversations.create({ kind: 'group', title: 'Works dept', memberIds: ['bob'] });
    expect(group.role).toBe('owner');
    await waitFor(() => bob.conversations.find(group.id) !== undefined, 10_000, 'bob added');
    const added: string[] = [];
    group.on('memberAdded', (m) => added.push(m.userId));
    const carolAdded: string[] = [];
    carol.conversations.on('added', (c) => carolAdded.push(c.id));
    await group.addMembers(['carol']);
    await waitFor(() => added.includes('carol') && carolAdded.includes(group.id), 10_000, 'carol added');

    const removed: string[] = [];
    bob.conversations.on('removed', (id, reason) => removed.push(`${id}:${reason}`));
    await group.removeMember('bob');
    await waitFor(() => removed.length === 1, 10_000, 'bob removed');
    expect(removed[0]).toBe(`${group.id}:removed`);
    expect(bob.conversations.find(group.id)).toBeUndefined();

    const carolGroup = carol.conversations.find(group.id) as Conversation;
    await carolGroup.leave();
    expect(carolGroup.isRemoved).toBe(true);
    expect(() => carolGroup.send('x')).toThrow(InvalidStateError);

    const updated = await group.update({ title: 'Works department', topic: 'roads' });
    expect(updated.title).toBe('Works department');
    expect(updated.topic).toBe('roads');
  });

  it('a message the server refuses rejects send() and emits sendFailed on the client and the conversation', async () => {
    const alice = await h.client('alice');
    const group = await alice.conversations.create({ kind: 'group', title: 'Limits' });
    const clientFailures: string[] = [];
    const convFailures: string[] = [];
    alice.on('sendFailed', (p, e) => clientFailures.push(`${p.conversationId}:${e.code}`));
    group.on('sendFailed', (p, e) => convFailures.push(`${p.clientId}:${e.code}`));
    const tooBig = 'x'.repeat(20_000); // over the default 16 KiB limit
    const error = await group.send(tooBig, { clientId: 'too-big-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlazaError);
    expect((error as PlazaError).code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(clientFailures).toEqual([`${group.id}:${ErrorCode.PAYLOAD_TOO_LARGE}`]);
    expect(convFailures).toEqual([`too-big-1:${ErrorCode.PAYLOAD_TOO_LARGE}`]);
    // the queue goes on
    expect((await group.send('small')).text).toBe('small');
    expect(alice.outbox.pending).toEqual([]);
  });

  it('works over HTTP long-polling as well as WebSocket', async () => {
    const alice = h.newClient({ webSocketOnly: false });
    await alice.connect(await h.token('alice'));
    const bob = await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    const got: string[] = [];
    conv.on('message', (m) => got.push(m.text));
    await bobConv.send('over polling?');
    await waitFor(() => got.length === 1, 10_000, 'message over polling');
    expect(got).toEqual(['over polling?']);
  });

  it('a listener that throws does not stop delivery to other listeners', async () => {
    const alice = await h.client('alice');
    const group = await alice.conversations.create({ kind: 'group', title: 'Listeners' });
    const got: number[] = [];
    group.on('message', () => {
      throw new Error('app bug');
    });
    group.on('message', (m) => got.push(m.seq));
    const a = await group.send('one');
    const b = await group.send('two');
    expect(got).toEqual([a.seq, b.seq]);
  });

  it('connect() with a bad token rejects with UNAUTHENTICATED and ends disconnected', async () => {
    const client = h.newClient();
    const states: string[] = [];
    client.on('connectionStateChanged', (s) => states.push(s));
    const error = await client.connect('not-a-jwt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlazaError);
    expect((error as PlazaError).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(client.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'disconnected']);
  });

  it('connect() twice shares one promise; disconnect() is idempotent', async () => {
    const client = h.newClient();
    const token = await h.token('dave');
    const p1 = client.connect(token);
    const p2 = client.connect(token);
    expect(p2).toBe(p1);
    await p1;
    await client.disconnect();
    await client.disconnect();
    expect(client.state).toBe('disconnected');
  });

  it('misuse throws at once: TypeError for bad arguments, InvalidStateError before connect', async () => {
    const client = h.newClient();
    expect(() => client.conversations.list()).toThrow(InvalidStateError);
    expect(() => client.conversations.openDirect('has space')).toThrow(TypeError);
    expect(() => client.connect('')).toThrow(TypeError);
    expect(() => client.connect(42 as unknown as string)).toThrow(TypeError);
    await client.connect(await h.token('erin'));
    const group = await client.conversations.create({ kind: 'group', title: 'x' });
    expect(() => group.send(42 as unknown as string)).toThrow(TypeError);
    expect(() => group.send('')).toThrow(TypeError);
    expect(() => group.history({ limit: 0 })).toThrow(TypeError);
    expect(() => group.react('m_1', 'two words')).toThrow(TypeError);
    expect(() => client.presence.set('offline' as 'online')).toThrow(TypeError);
  });
});
