import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { mediaObjectCounts, opusParameters } from './testing.js';

/*
 * call:join with a participant id: an id the server does not know (its call ended, the server
 * restarted) starts nothing, and a second connection of the same user takes a participant over.
 */

async function group(owner: RawSocket, members: string[]): Promise<string> {
  return (await ok(owner, 'conversation:create', { kind: 'group', title: 'Rejoin', memberIds: members })).id;
}

describe('calls: joining with a participant id', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('an unknown participant id (as after a server restart) answers CALL_NOT_FOUND and starts no call, event or system message', async () => {
    const ana = await t.connect('ph-ana');
    const ben = await t.connect('ph-ben');
    const conversationId = await group(ana, ['ph-ben']);
    const seen = collect(ben, 'call:started');
    const messages = collect(ben, 'message:new');
    const error = await fails(ana, 'call:join', { conversationId, participantId: 'p_fromBeforeTheRestart0' });
    expect(error.code).toBe('CALL_NOT_FOUND');
    expect(error.message).toContain('has ended');
    expect(await ok(ana, 'call:get', { conversationId })).toBeNull();
    // With a call live, a participant id that call does not hold is refused the same way.
    const b = await ok(ben, 'call:join', { conversationId });
    expect((await fails(ana, 'call:join', { conversationId, participantId: 'p_fromBeforeTheRestart0' })).code).toBe('CALL_NOT_FOUND');
    // Someone else's participant id is not a way in either.
    expect((await fails(ana, 'call:join', { conversationId, participantId: b.participantId })).code).toBe('CALL_NOT_FOUND');
    expect(t.server.calls.get(b.call.id)?.participants.size).toBe(1);
    await ok(ben, 'call:leave', { callId: b.call.id });
    await settle(ben);
    expect(seen).toHaveLength(1);
    expect(messages.map((m) => m.text)).toEqual([expect.stringContaining('started a call'), expect.stringContaining('Call ended')]);
  });

  it('the id of a participant of a call that ended does not join the next call; the id of one that left the live call joins it anew', async () => {
    const ana = await t.connect('old-ana');
    const ben = await t.connect('old-ben');
    const conversationId = await group(ana, ['old-ben']);
    const first = await ok(ben, 'call:join', { conversationId });
    await ok(ben, 'call:leave', { callId: first.call.id });
    expect((await fails(ben, 'call:join', { conversationId, participantId: first.participantId })).code).toBe('CALL_NOT_FOUND');
    const next = await ok(ana, 'call:join', { conversationId });
    expect((await fails(ben, 'call:join', { conversationId, participantId: first.participantId })).code).toBe('CALL_NOT_FOUND');
    const b = await ok(ben, 'call:join', { conversationId });
    await ok(ben, 'call:leave', { callId: next.call.id });
    const again = await ok(ben, 'call:join', { conversationId, participantId: b.participantId });
    expect(again.call.id).toBe(next.call.id);
    expect(again.participantId).not.toBe(b.participantId);
    await ok(ben, 'call:leave', { callId: next.call.id });
    await ok(ana, 'call:leave', { callId: next.call.id });
  });

  it('a second connection of the same user takes a connected participant over with new transports; the first is told it left', async () => {
    const ana = await t.connect('to-ana');
    const ben = await t.connect('to-ben');
    const conversationId = await group(ana, ['to-ben']);
    const a = await ok(ana, 'call:join', { conversationId });
    const b = await ok(ben, 'call:join', { conversationId });
    const callId = a.call.id;
    const { trackId } = await ok(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const before = await mediaObjectCounts(t.server);
    const anaLeft = collect(ana, 'call:participantLeft');
    const unpublished = nextEvent(ana, 'call:trackUnpublished');
    const benLeft = nextEvent(ben, 'call:participantLeft');

    const phone = await t.connect('to-ben');
    const taken = await ok(phone, 'call:join', { conversationId, participantId: b.participantId });

    expect(taken.participantId).toBe(b.participantId);
    expect(taken.resumed).toBe(false);
    expect(taken.sendTransport!.id).not.toBe(b.sendTransport!.id);
    expect(await benLeft).toEqual({ callId, participantId: b.participantId, userId: 'to-ben', reason: 'left' });
    expect(await unpublished).toEqual({ callId, participantId: b.participantId, trackId });
    // The first connection is detached: it is no longer in the call.
    expect((await fails(ben, 'call:restartIce', { callId, transportId: b.sendTransport!.id })).code).toBe('PARTICIPANT_NOT_FOUND');
    await ok(phone, 'call:produce', { callId, transportId: taken.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    expect(await mediaObjectCounts(t.server)).toEqual(before);
    // The first connection going away does not touch the participant.
    ben.disconnect();
    await settle(ana);
    expect(anaLeft).toEqual([]);
    expect(t.server.calls.get(callId)?.participants.get(b.participantId)?.socketId).toBe(phone.id);
    await ok(phone, 'call:leave', { callId });
    await ok(ana, 'call:leave', { callId });
  });
});
