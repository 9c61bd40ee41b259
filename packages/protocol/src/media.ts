import { z } from 'zod';

/*
 * WebRTC signaling data exchanged between mediasoup-client and mediasoup, defined once here.
 * The server's and the client's own TypeScript types for these structures differ in small ways
 * (optional vs required fields, string vs string unions); both sides convert at their boundary.
 *
 * The schemas check every field mediasoup reads, with bounds on strings, numbers and arrays.
 * Unlike the request envelopes (strict: unknown keys refused), these nested objects *drop*
 * unknown keys: browsers and mediasoup-client releases add fields over time, and a call must not
 * fail because a newer client sends one more hint. Nothing unknown ever reaches mediasoup.
 */

const token = (max: number) => z.string().min(1).max(max).regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces');
const u32 = z.int().min(0).max(0xffffffff);
const u16 = z.int().min(0).max(0xffff);
const payloadType = z.int().min(0).max(127);
const mimeType = z.string().regex(/^(audio|video)\/[A-Za-z0-9._+-]{1,64}$/, 'expected a MIME type such as video/VP8');
const kind = z.enum(['audio', 'video']);
/** Codec parameters (`a=fmtp`): short keys, string or number values. */
const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()])).refine((o) => Object.keys(o).length <= 32, 'too many codec parameters');
const rtcpFeedback = z.object({ type: token(32), parameter: z.string().max(32).optional() });

/** Schema of an RTP codec capability. */
const rtpCodecCapabilitySchema = z.object({
  kind,
  mimeType,
  preferredPayloadType: payloadType.optional(),
  clockRate: z.int().min(1).max(1_000_000),
  channels: z.int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
});

/** Schema of an RTP header extension capability. */
const rtpHeaderExtensionSchema = z.object({
  kind: kind.optional(),
  uri: z.string().min(1).max(256),
  preferredId: z.int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

/** Schema of a device's RTP capabilities (what it can receive). */
export const rtpCapabilitiesSchema = z.object({
  codecs: z.array(rtpCodecCapabilitySchema).max(64).optional(),
  headerExtensions: z.array(rtpHeaderExtensionSchema).max(64).optional(),
});

/** Schema of the RTP parameters of a producer (what a client sends). */
export const rtpParametersSchema = z.object({
  mid: z.string().max(32).optional(),
  codecs: z
    .array(
      z.object({
        mimeType,
        payloadType,
        clockRate: z.int().min(1).max(1_000_000),
        channels: z.int().min(1).max(8).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(
      z.object({
        uri: z.string().min(1).max(256),
        id: z.int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: codecParameters.optional(),
      }),
    )
    .max(32)
    .optional(),
  encodings: z
    .array(
      z.object({
        ssrc: u32.optional(),
        rid: z.string().max(32).optional(),
        codecPayloadType: payloadType.optional(),
        rtx: z.object({ ssrc: u32 }).optional(),
        dtx: z.boolean().optional(),
        scalabilityMode: z.string().max(16).optional(),
        scaleResolutionDownBy: z.number().min(1).max(64).optional(),
        maxBitrate: z.int().min(1).max(100_000_000).optional(),
        maxFramerate: z.number().min(1).max(120).optional(),
        adaptivePtime: z.boolean().optional(),
        priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
        networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
      }),
    )
    // A producer sends at least one stream (mediasoup would fail on none); at most four layers.
    .min(1, 'expected at least one encoding')
    .max(4),
  rtcp: z.object({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
});

/** Bytes of a certificate fingerprint per hash algorithm. */
const FINGERPRINT_BYTES = { 'sha-1': 20, 'sha-224': 28, 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;

/** Schema of DTLS parameters (a transport's certificate fingerprints and role). */
export const dtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z
        .object({ algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']), value: z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}$/, 'expected a colon-separated hex fingerprint') })
        .refine((f) => f.value.split(':').length === FINGERPRINT_BYTES[f.algorithm], {
          path: ['value'],
          message: 'the fingerprint length does not match its algorithm (sha-1 20 bytes, sha-224 28, sha-256 32, sha-384 48, sha-512 64)',
        }),
    )
    .min(1)
    .max(8),
});

/** Schema of SCTP capabilities. */
export const sctpCapabilitiesSchema = z.object({
  numStreams: z.object({ OS: z.int().min(1).max(65535), MIS: z.int().min(1).max(65535) }),
});

/** Schema of the SCTP stream parameters of a data producer. */
export const sctpStreamParametersSchema = z.object({
  streamId: u16,
  ordered: z.boolean().optional(),
  maxPacketLifeTime: u16.optional(),
  maxRetransmits: u16.optional(),
});

/** RTP capabilities of a router or a device. */
export type RtpCapabilities = z.infer<typeof rtpCapabilitiesSchema>;
/** RTP parameters of a producer or a consumer. */
export type RtpParameters = z.infer<typeof rtpParametersSchema>;
/** DTLS parameters of a transport. */
export type DtlsParameters = z.infer<typeof dtlsParametersSchema>;
/** SCTP capabilities of a device. */
export type SctpCapabilities = z.infer<typeof sctpCapabilitiesSchema>;
/** SCTP stream parameters of a data producer or consumer. */
export type SctpStreamParameters = z.infer<typeof sctpStreamParametersSchema>;

/** ICE parameters of a server transport. */
export interface IceParameters {
  usernameFragment: string;
  password: string;
  iceLite?: boolean;
}

/** One ICE candidate of a server transport. */
export interface IceCandidate {
  foundation: string;
  priority: number;
  ip: string;
  protocol: 'udp' | 'tcp';
  port: number;
  type: 'host';
  tcpType?: 'passive';
}

/** A STUN or TURN server handed to clients (the `RTCIceServer` shape). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Everything a client needs to create its side of one server WebRtcTransport. */
export interface TransportOptions {
  /** Transport id. */
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
  /** Present when the transport carries data channels. */
  sctpParameters?: { port: number; OS: number; MIS: number; maxMessageSize: number };
}
