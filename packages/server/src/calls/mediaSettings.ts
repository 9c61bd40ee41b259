import { networkInterfaces } from 'node:os';
import type { types as ms } from 'mediasoup';

/**
 * Codecs of every call router: Opus for audio; VP8 first (every client, the Node WebRTC
 * library included, has it) and H264 constrained baseline (packetization-mode 1, 42e01f) for
 * browsers that prefer it. A consumer gets the first router codec its device can receive, so
 * a VP8-only device consuming an H264 producer is refused with `MEDIA_INCOMPATIBLE` by
 * `router.canConsume`, and a VP8 producer reaches everyone.
 */
export const ROUTER_MEDIA_CODECS: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
];

/** SCTP streams of every WebRtcTransport (data channels). */
export const SCTP_STREAMS = { OS: 1024, MIS: 1024 } as const;

/** Where WebRtcTransports listen and what they announce. */
export interface RtcAddress {
  ip: string;
  announcedIp?: string;
}

/** The host's first non-internal IPv4 address, else 127.0.0.1 (the default `rtcListenIp`). */
export function defaultRtcListenIp(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

/** The options every WebRtcTransport of a call is created with. */
export function webRtcTransportOptions(address: RtcAddress): ms.WebRtcTransportOptions {
  return {
    listenIps: [address.announcedIp ? { ip: address.ip, announcedIp: address.announcedIp } : { ip: address.ip }],
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    enableSctp: true,
    numSctpStreams: { ...SCTP_STREAMS },
  };
}
