import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { mediaObjectCounts } from './testing.js';

/*
 * What one user may hold: participants per user across calls, participants per call, and what a
 * join answers when the media server has no free RTC port (nothing half-created stays behind).
 */

async function group(owner: RawSocket, members: string[]): Promise<string> {
  return (await ok(owner, 'conversation:create', { kind: 'group', title: 'Limits', memberIds: members })).id;
}

async function gauge(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

describe('calls: participant caps', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ maxCallParticipantsPerUser: 2, maxCallParticipants: 3 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('one user may hold maxCallParticipantsPerUser participants across calls, even when the joins arrive at once', async () => {
    const owner = await t.connect('cap-owner');
    const conversations = await Promise.all([1, 2, 3, 4, 5].map(() => group(owner, ['cap-many'])));
    const sockets = await Promise.all(conversations.map(() => t.connect('cap-many')));
    const answers = await Promise.all(sockets.map((s, i) => s.timeout(10_000).emitWithAck('call:join', { conversationId: conversations[i] })));
    const joined = answers.filter((a) => a.ok);
    const refused = answers.filter((a) => !a.ok);
    expect(joined).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const a of refused) {
      if (a.ok) continue;
      expect(a.error.code).toBe('CONFLICT');
      expect(a.error.message).toContain('maxCallParticipantsPerUser');
    }
    // A refused join starts no call.
    const live = await Promise.all(conversations.map((conversationId) => ok(owner, 'call:get', { conversationId })));
    expect(live.filter((c) => c !== null)).toHaveLength(2);
    // Leaving frees a place.
    const first = answers.findIndex((a) => a.ok);
    const firstAnswer = answers[first];
    if (!firstAnswer?.ok) throw new Error('no join succeeded');
    await ok(sockets[first]!, 'call:leave', { callId: firstAnswer.data.call.id });
    const retry = answers.findIndex((a) => !a.ok);
    const again = await ok(sockets[retry]!, 'call:join', { conversationId: conversations[retry]! });
    for (const [i, a] of answers.entries()) if (a.ok && i !== first) await ok(sockets[i]!, 'call:leave', { callId: a.data.call.id });
    await ok(sockets[retry]!, 'call:leave', { callId: again.call.id });
  });

  it('a call holds at most maxCallParticipants participants', async () => {
    const users = ['full-a', 'full-b', 'full-c', 'full-d'];
    const sockets = await Promise.all(users.map((u) => t.connect(u)));
    const conversationId = await group(sockets[0]!, users.slice(1));
    const joins = [];
    for (const s of sockets.slice(0, 3)) joins.push(await ok(s, 'call:join', { conversationId }));
    const participantsBefore = await gauge(t.server.metrics.callParticipants);
    const error = await fails(sockets[3]!, 'call:join', { conversationId });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('maxCallParticipants');
    expect(t.server.calls.ofConversation(conversationId)?.participants.size).toBe(3);
    expect(await gauge(t.server.metrics.callParticipants)).toBe(participantsBefore);
    const callId = joins[0]!.call.id;
    for (const s of sockets.slice(0, 3)) await ok(s, 'call:leave', { callId });
  });
});

describe('calls: no free RTC port', () => {
  let t: TestServer;
  // 4 ports: every WebRtcTransport takes one UDP and one TCP port, so 4 transports fit.
  const rtcMinPort = 47_310;
  beforeAll(async () => {
    t = await startTestServer({ rtcMinPort, rtcMaxPort: rtcMinPort + 3 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a join the worker has no port for answers MEDIA_UNAVAILABLE and leaves no participant or media object behind', async () => {
    const users = ['port-a', 'port-b', 'port-c', 'port-d'];
    const [a, b, c, d] = await Promise.all(users.map((u, i) => t.connect(u, i === 0 ? { grants: { canPublish: [] } } : {})));
    const conversationId = await group(a!, users.slice(1));
    // A viewer takes 1 port (receive transport only), then a publisher 2: one port is left.
    const joinedA = await ok(a!, 'call:join', { conversationId });
    await ok(b!, 'call:join', { conversationId });
    const callId = joinedA.call.id;
    const call = t.server.calls.get(callId)!;
    const before = await mediaObjectCounts(t.server);
    const participantsBefore = await gauge(t.server.metrics.callParticipants);
    // c needs two transports: one may still be created, the other finds no port.
    const error = await fails(c!, 'call:join', { conversationId });
    expect(error.code).toBe('MEDIA_UNAVAILABLE');
    expect(error.message).toMatch(/no room/);
    expect(call.participants.size).toBe(2);
    expect(await mediaObjectCounts(t.server)).toEqual(before);
    expect(await gauge(t.server.metrics.callParticipants)).toBe(participantsBefore);
    // Still no room for d; the last free port is still free (a viewer fits).
    expect((await fails(d!, 'call:join', { conversationId })).code).toBe('MEDIA_UNAVAILABLE');
    const viewer = await t.connect('port-a', { grants: { canPublish: [] } });
    await ok(viewer, 'call:join', { conversationId });
    await ok(viewer, 'call:leave', { callId });
    await ok(a!, 'call:leave', { callId });
    await ok(b!, 'call:leave', { callId });
    await settle(a!);
  });

  it('starting a call without a free port answers MEDIA_UNAVAILABLE and starts no call', async () => {
    const users = ['port-e', 'port-f', 'port-g'];
    const [e, f, g] = await Promise.all(users.map((u) => t.connect(u)));
    const busy = await group(e!, ['port-f']);
    await ok(e!, 'call:join', { conversationId: busy });
    await ok(f!, 'call:join', { conversationId: busy });
    const before = await mediaObjectCounts(t.server);
    const callsBefore = await gauge(t.server.metrics.callsActive);
    const other = await group(g!, []);
    expect((await fails(g!, 'call:join', { conversationId: other })).code).toBe('MEDIA_UNAVAILABLE');
    expect(await ok(g!, 'call:get', { conversationId: other })).toBeNull();
    expect(await mediaObjectCounts(t.server)).toEqual(before);
    expect(await gauge(t.server.metrics.callsActive)).toBe(callsBefore);
    const callId = t.server.calls.ofConversation(busy)!.id;
    await ok(e!, 'call:leave', { callId });
    await ok(f!, 'call:leave', { callId });
  });
});
