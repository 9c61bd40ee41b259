import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fails, nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { deviceCapabilities, mediaObjectCounts, opusParameters, vp8Parameters } from './testing.js';

describe('calls: a media worker dies', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('the worker is replaced, the call gets a new router, participants rebuild with their ids and the counts stay right', async () => {
    const ana = await t.connect('wd-ana');
    const ben = await t.connect('wd-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Resilience', memberIds: ['wd-ben'] });
    const a = await ok(ana, 'call:join', { conversationId: conv.id });
    const b = await ok(ben, 'call:join', { conversationId: conv.id });
    const callId = a.call.id;
    await ok(ana, 'call:produce', { callId, transportId: a.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const before = await mediaObjectCounts(t.server);
    const [worker] = t.server.calls.pool!.workers;
    const rebuildAna = nextEvent(ana, 'call:rebuild');
    const rebuildBen = nextEvent(ben, 'call:rebuild');

    process.kill(worker!.pid, 'SIGKILL');

    expect(await rebuildAna).toEqual({ callId, reason: 'worker-died' });
    await rebuildBen;
    const deaths = await t.server.metrics.mediaWorkerDeaths.get();
    expect(deaths.values[0]?.value).toBe(1);
    await vi.waitFor(() => {
      const [replacement] = t.server.calls.pool!.workers;
      expect(replacement?.pid).toBeGreaterThan(0);
      expect(replacement?.pid).not.toBe(worker!.pid);
    });
    // The old transports are gone: requests on them say so instead of failing obscurely.
    expect((await fails(ana, 'call:restartIce', { callId, transportId: a.sendTransport!.id })).code).toBe('MEDIA_UNAVAILABLE');

    const a2 = await ok(ana, 'call:join', { conversationId: conv.id, participantId: a.participantId });
    expect(a2).toMatchObject({ participantId: a.participantId, resumed: false });
    expect(a2.sendTransport?.id).not.toBe(a.sendTransport?.id);
    expect(a2.call.participants.map((p) => [p.id, p.tracks.length])).toEqual([
      [a.participantId, 0],
      [b.participantId, 0],
    ]);
    const b2 = await ok(ben, 'call:join', { conversationId: conv.id, participantId: b.participantId });
    expect(b2.resumed).toBe(false);
    const cam = await ok(ana, 'call:produce', { callId, transportId: a2.sendTransport!.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() });
    await ok(ben, 'call:consume', { callId, trackId: cam.trackId, rtpCapabilities: deviceCapabilities(b2) });

    await ok(ana, 'call:leave', { callId });
    await ok(ben, 'call:leave', { callId });
    await vi.waitFor(async () => expect(await mediaObjectCounts(t.server)).toMatchObject({ worker: 1, router: 0, transport: 0, producer: 0, consumer: 0 }));
    expect(before.router).toBe(1);
  });
});
