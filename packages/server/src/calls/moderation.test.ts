import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fails, nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { deviceCapabilities, opusParameters } from './testing.js';

describe('calls: moderation', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('an owner mutes a participant; everyone sees who muted it; its publisher may unmute', async () => {
    const ana = await t.connect('mo-ana');
    const ben = await t.connect('mo-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Council', memberIds: ['mo-ben'] });
    const a = await ok(ana, 'call:join', { conversationId: conv.id });
    const b = await ok(ben, 'call:join', { conversationId: conv.id });
    const callId = a.call.id;
    const { trackId } = await ok(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const consumer = await ok(ana, 'call:consume', { callId, trackId, rtpCapabilities: deviceCapabilities(a) });
    expect(consumer.producerPaused).toBe(false);

    expect((await fails(ben, 'call:muteParticipant', { callId, participantId: a.participantId, source: 'microphone' })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(ana, 'call:muteParticipant', { callId, participantId: b.participantId, source: 'camera' })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(ana, 'call:muteParticipant', { callId, participantId: 'p_nobody', source: 'microphone' })).code).toBe('PARTICIPANT_NOT_FOUND');

    const seenByBen = nextEvent(ben, 'call:trackUpdated');
    await ok(ana, 'call:muteParticipant', { callId, participantId: b.participantId, source: 'microphone' });
    expect(await seenByBen).toMatchObject({ participantId: b.participantId, mutedBy: 'mo-ana', track: { id: trackId, muted: true } });
    const unmuted = await ok(ben, 'call:setTrackMuted', { callId, trackId, muted: false });
    expect(unmuted.muted).toBe(false);

    await vi.waitFor(async () => {
      expect((await t.server.store.listAudit({ limit: 5, action: 'call.muted', actorId: 'mo-ana' })).length).toBe(1);
      expect((await t.server.store.listAudit({ limit: 5, action: 'call.denied', actorId: 'mo-ben' })).length).toBe(1);
    });
    await ok(ana, 'call:leave', { callId });
    await ok(ben, 'call:leave', { callId });
  });

  it('a moderator removes a participant: it is told with reason removed, its tracks go, the others are told', async () => {
    const ana = await t.connect('mr-ana');
    const ben = await t.connect('mr-ben');
    const cy = await t.connect('mr-cy');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Council', memberIds: ['mr-ben', 'mr-cy'] });
    await ok(ana, 'conversation:setRole', { conversationId: conv.id, userId: 'mr-cy', role: 'moderator' });
    const a = await ok(ana, 'call:join', { conversationId: conv.id });
    const b = await ok(ben, 'call:join', { conversationId: conv.id });
    await ok(cy, 'call:join', { conversationId: conv.id });
    const callId = a.call.id;
    const { trackId } = await ok(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const consumer = await ok(ana, 'call:consume', { callId, trackId, rtpCapabilities: deviceCapabilities(a) });

    const toBen = nextEvent(ben, 'call:participantLeft');
    const toAna = nextEvent(ana, 'call:participantLeft');
    const unpublished = nextEvent(ana, 'call:trackUnpublished');
    const closed = nextEvent(ana, 'call:consumerClosed');
    await ok(cy, 'call:removeParticipant', { callId, participantId: b.participantId });
    expect(await toBen).toMatchObject({ participantId: b.participantId, userId: 'mr-ben', reason: 'removed' });
    expect((await toAna).reason).toBe('removed');
    expect((await unpublished).trackId).toBe(trackId);
    expect((await closed).consumerId).toBe(consumer.id);
    expect((await fails(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() })).code).toBe('PARTICIPANT_NOT_FOUND');
    expect(t.server.calls.get(callId)?.participants.size).toBe(2);
    await vi.waitFor(async () => {
      const removed = await t.server.store.listAudit({ limit: 5, action: 'call.removed', actorId: 'mr-cy' });
      expect(removed[0]?.details).toMatchObject({ userId: 'mr-ben', reason: 'removed' });
    });
    // A kick, not a ban: the member may join again, as a new participant.
    const again = await ok(ben, 'call:join', { conversationId: conv.id });
    expect(again.call.id).toBe(callId);
    expect(again.participantId).not.toBe(b.participantId);
    await ok(ben, 'call:leave', { callId });
    await ok(ana, 'call:leave', { callId });
    await ok(cy, 'call:leave', { callId });
  });
});
