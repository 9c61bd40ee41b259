import { Device } from 'mediasoup-client';

/**
 * A WebRTC implementation for runtimes without one, such as Node: the object a WebRTC library
 * exports. In Node pass `@roamhq/wrtc`'s default export (`import wrtc from '@roamhq/wrtc'`).
 * Browsers need nothing.
 */
export interface WebRtcImplementation {
  /** `RTCPeerConnection` class. */
  readonly RTCPeerConnection: unknown;
  /** `RTCSessionDescription` class. */
  readonly RTCSessionDescription?: unknown;
  /** `RTCIceCandidate` class. */
  readonly RTCIceCandidate?: unknown;
  /** `MediaStream` class. */
  readonly MediaStream?: unknown;
  /** `MediaStreamTrack` class. */
  readonly MediaStreamTrack?: unknown;
  /** `RTCRtpSender` class. */
  readonly RTCRtpSender?: unknown;
  /** `RTCRtpReceiver` class. */
  readonly RTCRtpReceiver?: unknown;
  /** `RTCRtpTransceiver` class. */
  readonly RTCRtpTransceiver?: unknown;
  /** `RTCDataChannel` class. */
  readonly RTCDataChannel?: unknown;
  /** `RTCDtlsTransport` class. */
  readonly RTCDtlsTransport?: unknown;
  /** `RTCIceTransport` class. */
  readonly RTCIceTransport?: unknown;
  /** `RTCSctpTransport` class. */
  readonly RTCSctpTransport?: unknown;
}

/** The globals mediasoup-client's handler uses, taken from a {@link WebRtcImplementation} when missing. */
const WEBRTC_GLOBALS = [
  'RTCPeerConnection',
  'RTCSessionDescription',
  'RTCIceCandidate',
  'MediaStream',
  'MediaStreamTrack',
  'RTCRtpSender',
  'RTCRtpReceiver',
  'RTCRtpTransceiver',
  'RTCDataChannel',
  'RTCDtlsTransport',
  'RTCIceTransport',
  'RTCSctpTransport',
] as const;

/**
 * Puts the implementation's classes on `globalThis` where the runtime has none (mediasoup-client
 * creates `RTCPeerConnection`, `MediaStream`, … through the globals). Existing globals are kept.
 */
export function installWebRtcGlobals(impl: WebRtcImplementation): void {
  const g = globalThis as Record<string, unknown>;
  for (const name of WEBRTC_GLOBALS) {
    const value = impl[name];
    if (g[name] === undefined && value !== undefined) g[name] = value;
  }
}

/** Whether this looks like a browser (a window with a navigator), where mediasoup-client detects its handler. */
function isBrowser(): boolean {
  const g = globalThis as { window?: unknown; navigator?: { userAgent?: unknown } };
  return typeof g.window === 'object' && typeof g.navigator?.userAgent === 'string';
}

/**
 * A new, unloaded mediasoup-client device. In a browser the handler is detected; elsewhere (Node
 * with a {@link WebRtcImplementation}) the standards-compliant `Chrome111` handler is used, after
 * the implementation's classes are put on `globalThis`.
 */
export async function createDevice(impl: WebRtcImplementation | undefined): Promise<Device> {
  if (impl) installWebRtcGlobals(impl);
  if (isBrowser() && !impl) return Device.factory();
  if (typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection !== 'function') {
    throw new TypeError('this runtime has no WebRTC: pass a WebRTC implementation as the `webrtc` option (in Node: @roamhq/wrtc)');
  }
  return new Device({ handlerName: 'Chrome111' });
}
