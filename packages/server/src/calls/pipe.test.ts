import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { deviceCapabilities, mediaObjectCounts, opusParameters, vp8Parameters } from './testing.js';

describe('calls: a call spread over routers on two workers', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 2, rtcListenIp: '127.0.0.1', participantsPerRouter: 1 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('beyond participantsPerRouter a participant gets a router on another worker, and tracks are piped on demand', async () => {
    const before = await mediaObjectCounts(t.server);
    expect(before.worker).toBe(2);
    const ana = await t.connect('pp-ana');
    const ben = await t.connect('pp-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Big meeting', memberIds: ['pp-ben'] });
    const a = await ok(ana, 'call:join', { conversationId: conv.id });
    const b = await ok(ben, 'call:join', { conversationId: conv.id });
    const callId = a.call.id;
    const call = t.server.calls.get(callId)!;
    expect(call.routers.length).toBe(2);
    expect(new Set(call.routers.map((r) => r.worker.pid)).size).toBe(2);
    expect(b.routerRtpCapabilities).toEqual(a.routerRtpCapabilities);

    const mic = await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const cam = await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters(3) });
    const benMic = await ok(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    // Nothing is piped before someone consumes across routers.
    expect((await mediaObjectCounts(t.server)).producer).toBe(before.producer + 3);

    const camConsumer = await ok(ben, 'call:consume', { callId, trackId: cam.trackId, rtpCapabilities: deviceCapabilities(b, ['video/H264']) });
    // Two consumers of one track at once share one pipe; the second replaces the first.
    const replaced = nextEvent(ben, 'call:consumerClosed');
    const [first, micConsumer] = await Promise.all([
      ok(ben, 'call:consume', { callId, trackId: mic.trackId, rtpCapabilities: deviceCapabilities(b) }),
      ok(ben, 'call:consume', { callId, trackId: mic.trackId, rtpCapabilities: deviceCapabilities(b) }),
    ]);
    expect(micConsumer.participantId).toBe(a.participantId);
    expect([first.id, micConsumer.id]).toContain((await replaced).consumerId);
    await ok(ana, 'call:consume', { callId, trackId: benMic.trackId, rtpCapabilities: deviceCapabilities(a) });
    const { dataProducerId } = await ok(ana, 'call:produceData', { callId, transportId: a.sendTransport!.id, sctpStreamParameters: { streamId: 3 } });
    await ok(ben, 'call:consumeData', { callId, dataProducerId });

    const during = await mediaObjectCounts(t.server);
    // 3 producers + 3 pipe producers; 3 consumers + 3 pipe consumers; 4 WebRTC transports + a pipe
    // transport pair per direction (mediasoup keeps one pair per source router and target router).
    expect(during).toMatchObject({
      router: before.router + 2,
      transport: before.transport + 8,
      producer: before.producer + 6,
      consumer: before.consumer + 6,
      data_producer: before.data_producer + 2,
      data_consumer: before.data_consumer + 2,
    });

    // Closing the original reaches the consumer on the other router through the pipe.
    const closed = nextEvent(ben, 'call:consumerClosed', (e) => e.consumerId === camConsumer.id);
    await ok(ana, 'call:unpublish', { callId, trackId: cam.trackId });
    await closed;

    await ok(ana, 'call:leave', { callId });
    await ok(ben, 'call:leave', { callId });
    await vi.waitFor(async () => expect(await mediaObjectCounts(t.server)).toEqual(before));
  });
});
