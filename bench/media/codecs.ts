/**
 * What both SFUs in `bench:media` are configured with, so that the bare baseline forwards the same
 * media the same way as Plaza: the router's codecs, the WebRTC transport options and the encodings
 * publishers send. Keep these equal to Plaza's defaults (packages/server/src/calls and
 * packages/client/src/calls) when those change.
 */

/** Router codecs: Opus, VP8 and H264 (constrained baseline, packetization mode 1). */
export const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
] as const;

/** `createWebRtcTransport` options apart from `listenIps` (Plaza's: UDP preferred, TCP, SCTP). */
export const TRANSPORT_OPTIONS = {
  enableUdp: true,
  enableTcp: true,
  preferUdp: true,
  enableSctp: true,
  numSctpStreams: { OS: 1024, MIS: 1024 },
} as const;

/** The camera's simulcast encodings (lowest first), as Plaza's client sends them. */
export const CAMERA_SIMULCAST = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
] as const;

/** Codec options of video producers, as Plaza's client sets them. */
export const VIDEO_CODEC_OPTIONS = { videoGoogleStartBitrate: 1000 } as const;

/**
 * The CPU run's Node publisher sends one encoding (no simulcast) capped to this (see
 * `capVideoSenders` in nodeWebrtc.ts): 640x360 VP8 at about 800 kbps.
 */
export const CPU_RUN_ENCODING = { maxBitrate: 800_000, maxFramerate: 30 } as const;

/** Frame size and rate of the CPU run's Node publisher. */
export const CPU_RUN_VIDEO = { width: 640, height: 360, fps: 30 } as const;
