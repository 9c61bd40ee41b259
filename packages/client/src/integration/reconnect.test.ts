import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../Conversation.js';
import { PlazaError } from '../errors.js';
import type { ConnectionState } from '../events.js';
import { startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

describe('PlazaClient across server restarts', { timeout: 60_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('messages sent while the server is down wait in the outbox and go out in order after reconnect', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    const received: Message[] = [];
    bobConv.on('message', (m) => received.push(m));
    const own: Message[] = [];
    conv.on('message', (m) => own.push(m));
    const states: ConnectionState[] = [];
    alice.on('connectionStateChanged', (s) => states.push(s));
    await conv.send('before');

    await h.stop();
    await waitFor(() => alice.state === 'reconnecting' && bob.state === 'reconnecting', 10_000, 'clients notice');
    const sends = ['q1', 'q2', 'q3', 'q4'].map((t) => conv.send(t));
    expect(alice.outbox.pending.map((p) => p.text)).toEqual(['q1', 'q2', 'q3', 'q4']);

    await h.start();
    const stored = await Promise.all(sends);
    expect(stored.map((m) => m.text)).toEqual(['q1', 'q2', 'q3', 'q4']);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.seq).toBe(stored[i - 1]!.seq + 1);
    await waitFor(() => received.length === 5 && own.length === 5, 15_000, 'both sides have all messages');
    await new Promise((r) => setTimeout(r, 200));
    expect(received.map((m) => m.text)).toEqual(['before', 'q1', 'q2', 'q3', 'q4']);
    expect(own.map((m) => m.text)).toEqual(['before', 'q1', 'q2', 'q3', 'q4']);
    expect(alice.outbox.pending).toEqual([]);
    expect(states).toContain('reconnecting');
    expect(alice.state).toBe('connected');
  });

  it('after a reconnect the client delivers what it missed: new messages in order, changes as updates', async () => {
    const alice = await h.client('alice');
    // Bob comes back later than alice, so alice can write while bob is away.
    const bob = await h.client('bob', { reconnectPolicy: { nextDelayMs: (attempt) => (attempt === 0 ? 1500 : 50) } });
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    const first = await conv.send('first');
    await waitFor(() => bobConv.lastSeq === first.seq);
    const got: Message[] = [];
    const updates: Message[] = [];
    bobConv.on('message', (m) => got.push(m));
    bobConv.on('messageUpdated', (m) => updates.push(m));

    await h.stop();
    await waitFor(() => alice.state === 'reconnecting' && bob.state === 'reconnecting', 10_000, 'clients notice');
    await h.start();
    await waitFor(() => alice.state === 'connected', 10_000, 'alice back');
    expect(bob.state).toBe('reconnecting');
    const missed = [];
    for (const t of ['a', 'b', 'c']) missed.push(await conv.send(t));
    await conv.edit(first.id, 'first (edited)');

    await waitFor(() => bob.state === 'connected', 15_000, 'bob back');
    await waitFor(() => got.length === 3 && updates.length === 1, 10_000, 'bob catches up');
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((m) => m.seq)).toEqual(missed.map((m) => m.seq));
    expect(got.map((m) => m.text)).toEqual(['a', 'b', 'c']);
    expect(updates[0]?.text).toBe('first (edited)');
  });

  it('a conversation created while a client was away is learned on reconnect and emits added', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob', { reconnectPolicy: { nextDelayMs: (attempt) => (attempt === 0 ? 1500 : 50) } });
    const added: Conversation[] = [];
    bob.conversations.on('added', (c) => added.push(c));
    await h.stop();
    await waitFor(() => alice.state === 'reconnecting' && bob.state === 'reconnecting', 10_000, 'clients notice');
    await h.start();
    await waitFor(() => alice.state === 'connected', 10_000, 'alice back');
    const group = await alice.conversations.create({ kind: 'group', title: 'While away', memberIds: ['bob'] });
    await waitFor(() => bob.state === 'connected', 15_000, 'bob back');
    expect(added.map((c) => c.id)).toContain(group.id);
  });

  it('a refused token on reconnect is surfaced and stops the loop when the provider has nothing newer', async () => {
    // The server closes the connection when the token expires; the reconnect is then refused.
    const short = await h.token('alice', 2); // lives 1-2 s (whole seconds)
    let calls = 0;
    const alice = h.newClient();
    const errors: [ErrorCode, boolean][] = [];
    alice.on('connectionError', (e, willRetry) => errors.push([e.code, willRetry]));
    await alice.connect(() => {
      calls += 1;
      return short;
    });
    await waitFor(() => alice.state === 'disconnected', 15_000, 'client gives up');
    expect(errors.at(-1)).toEqual([ErrorCode.TOKEN_EXPIRED, false]);
    const callsAtGiveUp = calls;
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(callsAtGiveUp);
  });

  it('a refused token on reconnect is retried when the provider yields a fresh one', async () => {
    const short = await h.token('alice', 2); // lives 1-2 s (whole seconds)
    let calls = 0;
    const alice = h.newClient();
    const errors: ErrorCode[] = [];
    alice.on('connectionError', (e) => errors.push(e.code));
    const states: ConnectionState[] = [];
    alice.on('connectionStateChanged', (s) => states.push(s));
    // 1: short-lived; 2: the same, expired by then (refused); 3 and later: freshly minted.
    await alice.connect(async () => {
      calls += 1;
      return calls <= 2 ? short : h.token('alice');
    });
    await waitFor(() => calls >= 3 && alice.state === 'connected', 15_000, 'reconnected with a fresh token');
    expect(errors).toEqual([ErrorCode.TOKEN_EXPIRED]);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('the reconnect policy decides: returning null gives up and ends disconnected', async () => {
    const alice = await h.client('alice', { reconnectPolicy: { nextDelayMs: (attempt) => (attempt < 2 ? 20 : null) } });
    const errors: boolean[] = [];
    alice.on('connectionError', (e, willRetry) => {
      expect(e).toBeInstanceOf(PlazaError);
      errors.push(willRetry);
    });
    await h.stop();
    await waitFor(() => alice.state === 'disconnected', 10_000, 'gives up');
    expect(errors.at(-1)).toBe(false);
    await h.start();
  });
});
