import wrtc from '@roamhq/wrtc';

/** Every peer connection made in this process through {@link installWebrtcGlobals} that is still open. */
export const peerConnections = new Set<RTCPeerConnection>();

const Base = wrtc.RTCPeerConnection as unknown as typeof RTCPeerConnection;

let videoSendCap: { maxBitrate: number; maxFramerate: number } | undefined;

/**
 * Makes every video sender created from now on in this process send a single encoding capped at
 * `maxBitrate` / `maxFramerate` (applied in `addTransceiver`, before negotiation, whatever the client
 * asked for — the same step for both systems; wrtc refuses `RTCRtpSender.setParameters` once
 * negotiated).
 */
export function capVideoSenders(maxBitrate: number, maxFramerate: number): void {
  videoSendCap = { maxBitrate, maxFramerate };
}

/**
 * @roamhq/wrtc's RTCPeerConnection, remembering its instances so their stats can be summed, and
 * applying {@link capVideoSenders}.
 */
export class TrackedPeerConnection extends Base {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    peerConnections.add(this);
  }

  override addTransceiver(trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit): RTCRtpTransceiver {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    if (videoSendCap && kind === 'video' && init?.direction === 'sendonly') {
      const first = init.sendEncodings?.[0] ?? {};
      init = { ...init, sendEncodings: [{ ...first, scaleResolutionDownBy: 1, ...videoSendCap }] };
    }
    return super.addTransceiver(trackOrKind, init);
  }

  override close(): void {
    peerConnections.delete(this);
    super.close();
  }
}

/** @roamhq/wrtc with {@link TrackedPeerConnection} in place of its RTCPeerConnection. */
export const trackedWrtc = { ...wrtc, RTCPeerConnection: TrackedPeerConnection } as typeof wrtc;

/** Puts wrtc's classes on `globalThis`, as mediasoup-client expects in Node. */
export function installWebrtcGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  const source = trackedWrtc as unknown as Record<string, unknown>;
  for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'MediaStream', 'MediaStreamTrack', 'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCDataChannel', 'RTCDtlsTransport', 'RTCIceTransport', 'RTCSctpTransport']) {
    if (source[name]) g[name] = source[name];
  }
}

/** Video RTP counters summed over every open peer connection. */
export interface RtpCounters {
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  framesDecoded: number;
  bytesSent: number;
  framesEncoded: number;
}

/** Sums the video `inbound-rtp` / `outbound-rtp` stats of all open peer connections. */
export async function rtpCounters(): Promise<RtpCounters> {
  const sum: RtpCounters = { packetsReceived: 0, packetsLost: 0, bytesReceived: 0, framesDecoded: 0, bytesSent: 0, framesEncoded: 0 };
  for (const pc of peerConnections) {
    const report = await pc.getStats().catch(() => undefined);
    report?.forEach((s: Record<string, unknown>) => {
      if (s.kind !== 'video' && s.mediaType !== 'video') return;
      const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : 0);
      if (s.type === 'inbound-rtp') {
        sum.packetsReceived += n('packetsReceived');
        sum.packetsLost += n('packetsLost');
        sum.bytesReceived += n('bytesReceived');
        sum.framesDecoded += n('framesDecoded');
      } else if (s.type === 'outbound-rtp') {
        sum.bytesSent += n('bytesSent');
        sum.framesEncoded += n('framesEncoded');
      }
    });
  }
  return sum;
}

