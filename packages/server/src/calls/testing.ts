import type { CallJoined, DtlsParameters, RtpCapabilities, RtpParameters } from '@plaza/protocol';
import type { PlazaServer } from '../PlazaServer.js';
import { MEDIA_OBJECT_TYPES } from '../metrics.js';
import type { MediaObjectType } from '../metrics.js';

/*
 * Fixtures for signaling-level call tests: hand-written but valid RTP and DTLS parameters.
 * mediasoup accepts a producer whose packets never arrive and a transport connect whose DTLS
 * never completes, so joins, tracks, consumers and cleanup are tested without WebRTC in Node.
 */

let nextSsrc = 1000;

/** RTP parameters of an Opus microphone track, as a browser would send them. */
export function opusParameters(): RtpParameters {
  return {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [{ type: 'transport-cc' }] }],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: [{ ssrc: nextSsrc++ }],
    rtcp: { cname: 'test', reducedSize: true },
  };
}

/** RTP parameters of a camera track: VP8 with RTX, 3 simulcast encodings (or 1). */
export function vp8Parameters(layers = 3): RtpParameters {
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }],
      },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
    ],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: Array.from({ length: layers }, () => ({ ssrc: nextSsrc++, rtx: { ssrc: nextSsrc++ } })),
    rtcp: { cname: 'test', reducedSize: true },
  };
}

/** RTP parameters of an H264 (42e01f, packetization-mode 1) camera track. */
export function h264Parameters(): RtpParameters {
  return {
    mid: '2',
    codecs: [
      {
        mimeType: 'video/H264',
        payloadType: 102,
        clockRate: 90000,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
      },
    ],
    encodings: [{ ssrc: nextSsrc++ }],
    rtcp: { cname: 'test', reducedSize: true },
  };
}

/** DTLS parameters of a client (the fingerprint is made up: DTLS never completes, connect() succeeds). */
export function clientDtls(): DtlsParameters {
  return { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).padStart(2, '0').toUpperCase()).join(':') }] };
}

/** A device's receive capabilities: the router's, optionally without some codecs (a Node WebRTC client has no H264). */
export function deviceCapabilities(joined: CallJoined, without: string[] = []): RtpCapabilities {
  const caps = joined.routerRtpCapabilities;
  return { ...caps, codecs: (caps.codecs ?? []).filter((c) => !without.includes(c.mimeType)) };
}

/** The current `plaza_media_objects` values by type. */
export async function mediaObjectCounts(server: PlazaServer): Promise<Record<MediaObjectType, number>> {
  const metric = await server.metrics.mediaObjects.get();
  const counts = Object.fromEntries(MEDIA_OBJECT_TYPES.map((t) => [t, 0])) as Record<MediaObjectType, number>;
  for (const v of metric.values) counts[v.labels.type as MediaObjectType] = v.value;
  return counts;
}
