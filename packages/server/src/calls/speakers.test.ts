import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { addTrack } from './callMedia.js';

/*
 * Active speakers and connection quality need real RTP. Without WebRTC in this process, the test
 * puts a PlainTransport on the call's router and sends it plain RTP over loopback UDP: Opus
 * packets carrying the ssrc-audio-level header extension, as a browser's microphone would. The
 * producer is made one of a participant's tracks through the same path `call:produce` uses.
 */

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const SSRC = 0x1234abcd;

/** One RTP packet: Opus payload type 100, one-byte header extension id 1 = audio level (-dBov). */
function rtpPacket(seq: number, timestamp: number, levelDbov: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x90; // V=2, X=1
  header[1] = 100;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(SSRC, 8);
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x10, 0x80 | levelDbov, 0x00, 0x00]);
  const payload = Buffer.alloc(40, 0xfc);
  return Buffer.concat([header, extension, payload]);
}

describe('calls: active speakers and connection quality from real RTP', () => {
  let t: TestServer;
  let udp: UdpSocket;
  let pump: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1' });
    udp = createSocket('udp4');
  });
  afterAll(async () => {
    if (pump) clearInterval(pump);
    udp.close();
    await t.close();
  });

  it('a participant whose microphone sends loud audio is announced as the active speaker, and its quality is reported', async () => {
    const ana = await t.connect('sp-ana');
    const ben = await t.connect('sp-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Loud', memberIds: ['sp-ben'] });
    const a = await ok(ana, 'call:join', { conversationId: conv.id });
    await ok(ben, 'call:join', { conversationId: conv.id });
    const call = t.server.calls.get(a.call.id)!;
    const participant = call.participants.get(a.participantId)!;
    const router = participant.router!.router;

    const plain = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    try {
      const producer: ms.Producer = await plain.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
          headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: 1 }],
          encodings: [{ ssrc: SSRC }],
        },
      });
      const published = nextEvent(ben, 'call:trackPublished');
      await addTrack(call, participant, producer, 'microphone');
      expect((await published).track).toMatchObject({ id: producer.id, source: 'microphone' });

      const speakers = nextEvent(ben, 'call:activeSpeakers', (e) => e.speakers.length > 0, 10_000);
      const quality = nextEvent(ben, 'call:quality', () => true, 15_000);
      let seq = 0;
      pump = setInterval(() => {
        seq++;
        udp.send(rtpPacket(seq, seq * 960, 10), plain.tuple.localPort, '127.0.0.1');
      }, 20);

      const event = await speakers;
      expect(event.callId).toBe(call.id);
      expect(event.speakers[0]?.participantId).toBe(a.participantId);
      expect(event.speakers[0]?.level).toBeGreaterThan(0);
      const reported = await quality;
      expect(reported.participantId).toBe(a.participantId);
      expect(['excellent', 'good', 'poor', 'lost']).toContain(reported.quality);

      // Silence: the speaker list empties.
      clearInterval(pump);
      pump = undefined;
      const silent = await nextEvent(ben, 'call:activeSpeakers', (e) => e.speakers.length === 0, 10_000);
      expect(silent.speakers).toEqual([]);
    } finally {
      plain.close();
    }
    await ok(ana, 'call:leave', { callId: call.id });
    await ok(ben, 'call:leave', { callId: call.id });
  }, 30_000);
});
