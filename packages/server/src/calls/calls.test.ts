import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '@plaza/protocol';
import type { CallJoined } from '@plaza/protocol';
import { io } from 'socket.io-client';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { qualityOf } from './Call.js';
import { clientDtls, deviceCapabilities, h264Parameters, mediaObjectCounts, opusParameters, vp8Parameters } from './testing.js';

/*
 * Calls at the signaling level against an in-process server with one real mediasoup worker:
 * joins, tracks, consumers, data channels, errors and cleanup. No WebRTC media flows (see
 * testing.ts); browser and Node WebRTC tests live in test/e2e.
 */

describe('calls: join, publish, consume, leave', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1', callRejoinGraceMs: 300 });
  });
  afterAll(async () => {
    await t.close();
  });

  async function group(owner: RawSocket, members: string[], title = 'Crew'): Promise<string> {
    const conv = await ok(owner, 'conversation:create', { kind: 'group', title, memberIds: members });
    return conv.id;
  }

  it('the first join starts the call with transports by grants, and posts "started" in the conversation', async () => {
    const ana = await t.connect('k-ana');
    const ben = await t.connect('k-ben');
    const conversationId = await group(ana, ['k-ben']);
    const started = nextEvent(ben, 'call:started');
    const message = nextEvent(ben, 'message:new');
    const joined = await ok(ana, 'call:join', { conversationId });
    expect(joined.resumed).toBe(false);
    expect(joined.participantId).toMatch(/^p_/);
    expect(joined.call.id).toMatch(/^k_/);
    expect(joined.call.participants.map((p) => p.userId)).toEqual(['k-ana']);
    expect(joined.sendTransport?.iceCandidates.every((c) => c.ip === '127.0.0.1')).toBe(true);
    expect(joined.sendTransport?.sctpParameters).toBeDefined();
    expect(joined.recvTransport?.id).not.toBe(joined.sendTransport?.id);
    expect(joined.routerRtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    expect((await started).id).toBe(joined.call.id);
    const system = await message;
    expect(system.kind).toBe('system');
    expect(system.text).toContain('started a call');
    expect(await ok(ben, 'call:get', { conversationId })).toMatchObject({ id: joined.call.id });
    await ok(ana, 'call:leave', { callId: joined.call.id });
  });

  it('a user without publish grants gets no send transport, without canSubscribe no receive transport', async () => {
    const ana = await t.connect('g-ana');
    const viewer = await t.connect('g-viewer', { grants: { canPublish: [] } });
    const mute = await t.connect('g-mute', { grants: { canSubscribe: false } });
    const conversationId = await group(ana, ['g-viewer', 'g-mute']);
    const v = await ok(viewer, 'call:join', { conversationId });
    expect(v.sendTransport).toBeNull();
    expect(v.recvTransport).not.toBeNull();
    const m = await ok(mute, 'call:join', { conversationId });
    expect(m.recvTransport).toBeNull();
    const callId = m.call.id;
    const a = await ok(ana, 'call:join', { conversationId });
    const { trackId } = await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    expect((await fails(mute, 'call:consume', { callId, trackId, rtpCapabilities: deviceCapabilities(m) })).code).toBe('PERMISSION_DENIED');
    expect((await fails(viewer, 'call:produce', { callId, transportId: v.recvTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() })).code).toBe('PERMISSION_DENIED');
    await vi.waitFor(async () => {
      const denied = await t.server.store.listAudit({ limit: 10, action: 'grant.denied', actorId: 'g-viewer' });
      expect(denied.map((d) => d.details?.grant)).toContain('canPublish');
    });
    for (const s of [viewer, mute, ana]) await ok(s, 'call:leave', { callId });
  });

  it('publish, consume (paused, simulcast), mute, data, unpublish and leave, with events to the others', async () => {
    const ana = await t.connect('p-ana');
    const ben = await t.connect('p-ben');
    const conversationId = await group(ana, ['p-ben']);
    const a = await ok(ana, 'call:join', { conversationId });
    const callId = a.call.id;
    const joinedEvent = nextEvent(ana, 'call:participantJoined');
    const b = await ok(ben, 'call:join', { conversationId });
    expect((await joinedEvent).participant.userId).toBe('p-ben');
    expect(b.call.participants.map((p) => p.userId)).toEqual(['p-ana', 'p-ben']);
    await ok(ana, 'call:connectTransport', { callId, transportId: a.sendTransport!.id, dtlsParameters: clientDtls() });
    await ok(ben, 'call:connectTransport', { callId, transportId: b.recvTransport!.id, dtlsParameters: clientDtls() });

    const published = nextEvent(ben, 'call:trackPublished');
    const mic = await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const cam = await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters(3) });
    expect((await published).track).toMatchObject({ id: mic.trackId, source: 'microphone', kind: 'audio', muted: false, layers: 1 });
    const info = await ok(ben, 'call:get', { conversationId });
    expect(info?.participants[0]?.tracks.find((tr) => tr.source === 'camera')).toMatchObject({ id: cam.trackId, layers: 3 });

    const caps = deviceCapabilities(b, ['video/H264']);
    const camConsumer = await ok(ben, 'call:consume', { callId, trackId: cam.trackId, rtpCapabilities: caps });
    expect(camConsumer).toMatchObject({ trackId: cam.trackId, participantId: a.participantId, kind: 'video', source: 'camera', producerPaused: false });
    expect(camConsumer.rtpParameters.codecs[0]?.mimeType).toBe('video/VP8');
    await ok(ben, 'call:setConsumerLayers', { callId, consumerId: camConsumer.id, spatialLayer: 0, temporalLayer: 1 });
    await ok(ben, 'call:setConsumerPaused', { callId, consumerId: camConsumer.id, paused: false });
    const micConsumer = await ok(ben, 'call:consume', { callId, trackId: mic.trackId, rtpCapabilities: caps });
    expect(micConsumer.kind).toBe('audio');

    const updated = nextEvent(ben, 'call:trackUpdated');
    const muted = await ok(ana, 'call:setTrackMuted', { callId, trackId: mic.trackId, muted: true });
    expect(muted.muted).toBe(true);
    expect(await updated).toMatchObject({ participantId: a.participantId, mutedBy: null, track: { id: mic.trackId, muted: true } });

    const dataPublished = nextEvent(ben, 'call:dataPublished');
    const { dataProducerId } = await ok(ana, 'call:produceData', { callId, transportId: a.sendTransport!.id, sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat' });
    expect(await dataPublished).toMatchObject({ dataProducerId, label: 'chat', participantId: a.participantId });
    const dataConsumer = await ok(ben, 'call:consumeData', { callId, dataProducerId });
    expect(dataConsumer).toMatchObject({ dataProducerId, participantId: a.participantId, label: 'chat' });

    const consumerClosed = nextEvent(ben, 'call:consumerClosed', (e) => e.consumerId === camConsumer.id);
    const unpublished = nextEvent(ben, 'call:trackUnpublished');
    await ok(ana, 'call:unpublish', { callId, trackId: cam.trackId });
    expect((await unpublished).trackId).toBe(cam.trackId);
    await consumerClosed;
    expect((await fails(ben, 'call:setConsumerPaused', { callId, consumerId: camConsumer.id, paused: false })).code).toBe('MEDIA_NOT_FOUND');

    const left = nextEvent(ben, 'call:participantLeft');
    const micClosed = nextEvent(ben, 'call:consumerClosed', (e) => e.consumerId === micConsumer.id);
    const dataClosed = nextEvent(ben, 'call:consumerClosed', (e) => e.consumerId === dataConsumer.id);
    await ok(ana, 'call:leave', { callId });
    expect(await left).toMatchObject({ participantId: a.participantId, userId: 'p-ana', reason: 'left' });
    await micClosed;
    await dataClosed;
    const ended = nextEvent(ana, 'call:ended');
    const endMessage = nextEvent(ana, 'message:new', (m) => m.kind === 'system' && m.text.startsWith('Call ended'));
    await ok(ben, 'call:leave', { callId });
    expect((await ended).callId).toBe(callId);
    expect((await endMessage).text).toMatch(/^Call ended after \d+ s$/);
    expect(await ok(ana, 'call:get', { conversationId })).toBeNull();
    await vi.waitFor(async () => {
      const joins = await t.server.store.listAudit({ limit: 10, action: 'call.joined', actorId: 'p-ben' });
      const leaves = await t.server.store.listAudit({ limit: 10, action: 'call.left', actorId: 'p-ben' });
      expect(joins.length).toBe(1);
      expect(leaves.length).toBe(1);
    });
  });

  it('refuses bad media requests with their codes and keeps the worker alive', async () => {
    const ana = await t.connect('e-ana');
    const ben = await t.connect('e-ben');
    const eve = await t.connect('e-eve');
    const conversationId = await group(ana, ['e-ben']);
    const other = await group(eve, [], 'Elsewhere');
    const a = await ok(ana, 'call:join', { conversationId });
    const callId = a.call.id;
    const b = await ok(ben, 'call:join', { conversationId });
    const e = await ok(eve, 'call:join', { conversationId: other });
    const send = a.sendTransport!.id;

    expect((await fails(ana, 'call:join', { conversationId })).code).toBe('CONFLICT');
    expect((await fails(eve, 'call:leave', { callId })).code).toBe('NOT_A_MEMBER');
    expect((await fails(ana, 'call:leave', { callId: 'k_nosuchcall' })).code).toBe('CALL_NOT_FOUND');
    expect((await fails(ana, 'call:produce', { callId, transportId: send, kind: 'video', source: 'microphone', rtpParameters: opusParameters() })).code).toBe('INVALID_REQUEST');
    // Another participant's transport and another call's transport are not yours.
    expect((await fails(ana, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(ana, 'call:connectTransport', { callId, transportId: e.sendTransport!.id, dtlsParameters: clientDtls() })).code).toBe('MEDIA_NOT_FOUND');
    // Bad RTP parameters: an unknown codec and a payload type mismatch.
    const bogus = { ...opusParameters(), codecs: [{ mimeType: 'audio/ISAC', payloadType: 103, clockRate: 16000 }] };
    expect((await fails(ana, 'call:produce', { callId, transportId: send, kind: 'audio', source: 'microphone', rtpParameters: bogus })).code).toBe('MEDIA_INCOMPATIBLE');
    const orphanRtx = vp8Parameters(1);
    orphanRtx.codecs[1] = { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 55 } };
    expect((await fails(ana, 'call:produce', { callId, transportId: send, kind: 'video', source: 'camera', rtpParameters: orphanRtx })).code).toBe('MEDIA_INCOMPATIBLE');
    // A codec of the other kind: VP8 as a microphone's audio.
    const vp8AsAudio = await fails(ana, 'call:produce', { callId, transportId: send, kind: 'audio', source: 'microphone', rtpParameters: vp8Parameters(1) });
    expect(vp8AsAudio.code).toBe('MEDIA_INCOMPATIBLE');
    expect(vp8AsAudio.message).toContain('video/VP8 is not audio');
    // A fingerprint shorter than its algorithm's hash.
    const shortSha512 = { role: 'client', fingerprints: [{ algorithm: 'sha-512', value: clientDtls().fingerprints[0]!.value }] };
    expect((await fails(ana, 'call:connectTransport', { callId, transportId: send, dtlsParameters: shortSha512 })).code).toBe('INVALID_REQUEST');
    // Bad DTLS role twice: connect once works, the second is refused.
    await ok(ana, 'call:connectTransport', { callId, transportId: send, dtlsParameters: clientDtls() });
    expect((await fails(ana, 'call:connectTransport', { callId, transportId: send, dtlsParameters: clientDtls() })).code).toBe('MEDIA_INCOMPATIBLE');

    const mic = await ok(ana, 'call:produce', { callId, transportId: send, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    expect((await fails(ana, 'call:produce', { callId, transportId: send, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() })).code).toBe('CONFLICT');
    const h264 = await ok(ana, 'call:produce', { callId, transportId: send, kind: 'video', source: 'camera', rtpParameters: h264Parameters() });
    // A VP8-only device (Node WebRTC) cannot receive an H264 track.
    expect((await fails(ben, 'call:consume', { callId, trackId: h264.trackId, rtpCapabilities: deviceCapabilities(b, ['video/H264']) })).code).toBe('MEDIA_INCOMPATIBLE');
    expect((await fails(ben, 'call:consume', { callId, trackId: mic.trackId, rtpCapabilities: { codecs: [] } })).code).toBe('MEDIA_INCOMPATIBLE');
    expect((await fails(ben, 'call:consume', { callId, trackId: 'nosuchtrack', rtpCapabilities: deviceCapabilities(b) })).code).toBe('MEDIA_NOT_FOUND');
    // Another call's track is not in this call; someone else's track is not yours to mute.
    expect((await fails(ben, 'call:setTrackMuted', { callId, trackId: mic.trackId, muted: true })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(eve, 'call:consume', { callId: e.call.id, trackId: mic.trackId, rtpCapabilities: deviceCapabilities(e) })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(ben, 'call:unpublish', { callId, trackId: mic.trackId })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(ben, 'call:restartIce', { callId, transportId: send })).code).toBe('MEDIA_NOT_FOUND');
    expect((await fails(ben, 'call:muteParticipant', { callId, participantId: a.participantId, source: 'microphone' })).code).toBe('FORBIDDEN_ROLE');

    // The worker survived all of it.
    const restarted = await ok(ana, 'call:restartIce', { callId, transportId: send });
    expect(restarted.iceParameters.usernameFragment).not.toBe(a.sendTransport!.iceParameters.usernameFragment);
    expect(t.server.calls.pool?.workers.length).toBe(1);
    await ok(ana, 'call:leave', { callId });
    await ok(ben, 'call:leave', { callId });
    await ok(eve, 'call:leave', { callId: e.call.id });
  });

  it('media object counts return to their values before the calls after join/leave churn and dropped sockets', async () => {
    const before = await mediaObjectCounts(t.server);
    const gauge = async (g: typeof t.server.metrics.callsActive) => (await g.get()).values[0]?.value ?? 0;
    const callsBefore = await gauge(t.server.metrics.callsActive);
    const participantsBefore = await gauge(t.server.metrics.callParticipants);
    expect(before.worker).toBe(1);
    const ana = await t.connect('m-ana');
    const conversationId = await group(ana, ['m-ben', 'm-cy']);
    for (let round = 0; round < 3; round++) {
      const sockets = await Promise.all(['m-ana', 'm-ben', 'm-cy'].map((id) => t.connect(id)));
      const joined: CallJoined[] = [];
      for (const s of sockets) joined.push(await ok(s, 'call:join', { conversationId }));
      const callId = joined[0]!.call.id;
      const tracks: string[] = [];
      for (const [i, s] of sockets.entries()) {
        tracks.push((await ok(s, 'call:produce', { callId, transportId: joined[i]!.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() })).trackId);
        tracks.push((await ok(s, 'call:produce', { callId, transportId: joined[i]!.sendTransport!.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() })).trackId);
        await ok(s, 'call:produceData', { callId, transportId: joined[i]!.sendTransport!.id, sctpStreamParameters: { streamId: 1 } });
      }
      for (const [i, s] of sockets.entries()) {
        for (const trackId of tracks) await ok(s, 'call:consume', { callId, trackId, rtpCapabilities: deviceCapabilities(joined[i]!) });
      }
      const during = await mediaObjectCounts(t.server);
      expect(during).toMatchObject({ router: before.router + 1, transport: before.transport + 6, producer: before.producer + 6, consumer: before.consumer + 18, data_producer: before.data_producer + 3 });
      // One leaves, one is removed by losing its socket (after the grace), one leaves last.
      await ok(sockets[0]!, 'call:leave', { callId });
      sockets[1]!.disconnect();
      await vi.waitFor(() => expect(t.server.calls.get(callId)?.participants.size).toBe(1), { timeout: 5000 });
      await ok(sockets[2]!, 'call:leave', { callId });
      for (const s of sockets) s.disconnect();
    }
    await vi.waitFor(async () => expect(await mediaObjectCounts(t.server)).toEqual(before));
    expect(await gauge(t.server.metrics.callsActive)).toBe(callsBefore);
    expect(await gauge(t.server.metrics.callParticipants)).toBe(participantsBefore);
  });

  it('a participant whose socket dropped is resumed by participantId with the same transports within the grace', async () => {
    const ana = await t.connect('r-ana');
    const ben = await t.connect('r-ben');
    const conversationId = await group(ana, ['r-ben']);
    await ok(ana, 'call:join', { conversationId });
    const b = await ok(ben, 'call:join', { conversationId });
    const left = collect(ana, 'call:participantLeft');
    ben.disconnect();
    const ben2 = await t.connect('r-ben');
    const resumed = await ok(ben2, 'call:join', { conversationId, participantId: b.participantId });
    expect(resumed.resumed).toBe(true);
    expect(resumed.participantId).toBe(b.participantId);
    expect(resumed.sendTransport?.id).toBe(b.sendTransport?.id);
    await ok(ben2, 'call:restartIce', { callId: b.call.id, transportId: b.recvTransport!.id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await settle(ana);
    expect(left).toEqual([]);
    // After the grace without a resume, its id joins the same call anew.
    ben2.disconnect();
    await nextEvent(ana, 'call:participantLeft', (e) => e.reason === 'disconnected');
    const ben3 = await t.connect('r-ben');
    const fresh = await ok(ben3, 'call:join', { conversationId, participantId: b.participantId });
    expect(fresh.resumed).toBe(false);
    expect(fresh.participantId).not.toBe(b.participantId);
    await ok(ben3, 'call:leave', { callId: b.call.id });
    await ok(ana, 'call:leave', { callId: b.call.id });
  });

  it('a socket recovered by socket.io (same id) takes its participant back without a new join', async () => {
    const ana = await t.connect('rc-ana');
    const conversationId = await group(ana, ['rc-ben']);
    const ben = io(t.url, { auth: { token: await t.token('rc-ben'), protocolVersion: PROTOCOL_VERSION }, transports: ['websocket'], reconnectionDelay: 20, forceNew: true });
    try {
      await new Promise<void>((resolve) => ben.once('connect', () => resolve()));
      // socket.io recovers only a session that has received a broadcast (it resumes from its offset).
      const started = nextEvent(ben, 'call:started');
      await ok(ana, 'call:join', { conversationId });
      await started;
      const b = await ok(ben, 'call:join', { conversationId });
      const reconnected = new Promise<void>((resolve) => ben.once('connect', () => resolve()));
      // Drop the transport from the server side: the client reconnects and socket.io recovers the session.
      [...t.server.io.of('/').sockets.values()].find((s) => s.id === ben.id)?.conn.close();
      await reconnected;
      expect(ben.recovered).toBe(true);
      const participant = t.server.calls.get(b.call.id)?.participants.get(b.participantId);
      expect(participant?.socketId).toBe(ben.id);
      // Still in the call's room, and still there after the grace period.
      const updated = nextEvent(ben, 'call:participantJoined');
      const cy = await t.connect('rc-ana');
      await ok(cy, 'call:join', { conversationId });
      await updated;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(t.server.calls.get(b.call.id)?.participants.has(b.participantId)).toBe(true);
      await ok(cy, 'call:leave', { callId: b.call.id });
      await ok(ben, 'call:leave', { callId: b.call.id });
      await ok(ana, 'call:leave', { callId: b.call.id });
    } finally {
      ben.disconnect();
    }
  });

  it('a socket that goes away while its join is in flight leaves no participant behind', async () => {
    const ana = await t.connect('jf-ana');
    const conversationId = await group(ana, ['jf-ben']);
    const before = await mediaObjectCounts(t.server);
    for (let i = 0; i < 3; i++) {
      const ben = await t.connect('jf-ben');
      ben.emit('call:join', { conversationId }, () => undefined);
      ben.disconnect();
    }
    await vi.waitFor(async () => {
      expect(await ok(ana, 'call:get', { conversationId })).toBeNull();
      expect(await mediaObjectCounts(t.server)).toEqual(before);
    }, { timeout: 5000 });
  });

  it('leaving the conversation (or being removed from it) leaves the call', async () => {
    const ana = await t.connect('l-ana');
    const ben = await t.connect('l-ben');
    const cy = await t.connect('l-cy');
    const conversationId = await group(ana, ['l-ben', 'l-cy']);
    const a = await ok(ana, 'call:join', { conversationId });
    await ok(ben, 'call:join', { conversationId });
    await ok(cy, 'call:join', { conversationId });
    const benLeft = nextEvent(ana, 'call:participantLeft', (e) => e.userId === 'l-ben');
    await ok(ben, 'conversation:leave', { conversationId });
    expect((await benLeft).reason).toBe('left');
    const cyRemoved = nextEvent(cy, 'call:participantLeft', (e) => e.userId === 'l-cy');
    await ok(ana, 'conversation:removeMember', { conversationId, userId: 'l-cy' });
    expect((await cyRemoved).reason).toBe('removed');
    expect(t.server.calls.get(a.call.id)?.participants.size).toBe(1);
    await ok(ana, 'call:leave', { callId: a.call.id });
  });
});

describe('calls: disabled', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ calls: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a server with calls disabled starts no worker, answers call:join MEDIA_UNAVAILABLE and call:get null', async () => {
    expect(t.server.calls.pool).toBeNull();
    expect((await mediaObjectCounts(t.server)).worker).toBe(0);
    const ana = await t.connect('d-ana');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Quiet' });
    expect((await fails(ana, 'call:join', { conversationId: conv.id })).code).toBe('MEDIA_UNAVAILABLE');
    expect(await ok(ana, 'call:get', { conversationId: conv.id })).toBeNull();
    expect((await fails(ana, 'call:leave', { callId: 'k_none' })).code).toBe('CALL_NOT_FOUND');
  });
});

describe('connection quality from RTP scores', () => {
  it('maps mediasoup scores (0-10) to excellent, good, poor and lost', () => {
    expect([10, 8, 7, 5, 4, 1, 0].map(qualityOf)).toEqual(['excellent', 'excellent', 'good', 'good', 'poor', 'poor', 'lost']);
  });
});
