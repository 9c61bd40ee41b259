import { z } from 'zod';
import type { TrackSource } from './entities.js';
import { idSchema, userIdSchema } from './fields.js';
import {
  dtlsParametersSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  sctpCapabilitiesSchema,
  sctpStreamParametersSchema,
} from './media.js';
import type { IceParameters, IceServer, RtpCapabilities, RtpParameters, SctpStreamParameters, TransportOptions } from './media.js';

/** The kind of media a track carries. */
export type MediaKind = 'audio' | 'video';

/** The media kind each source must carry. */
export const sourceKind = {
  microphone: 'audio',
  camera: 'video',
  screen: 'video',
  'screen-audio': 'audio',
} as const satisfies Record<TrackSource, MediaKind>;

/** A track published by a participant. */
export interface CallTrack {
  /** Track id (the server's producer id). */
  id: string;
  /** What it shows or carries. */
  source: TrackSource;
  /** Audio or video. */
  kind: MediaKind;
  /** Paused by its publisher or muted by a moderator: no packets flow. */
  muted: boolean;
  /** Number of simulcast layers (1 without simulcast). */
  layers: number;
}

/** One device of a user in a call. A user with two devices in a call is two participants. */
export interface CallParticipant {
  /** Participant id, `p_…`; stable across reconnects of the same join. */
  id: string;
  /** The user. */
  userId: string;
  /** Display name from the token. */
  name: string;
  /** When this participant joined (ISO 8601, UTC). */
  joinedAt: string;
  /** Published tracks. */
  tracks: CallTrack[];
  /**
   * Its open data channel (the id `call:dataPublished` announced), so that participants joining
   * later can receive it with `call:consumeData`; absent while it has none.
   */
  dataProducerId?: string;
}

/** The live call of a conversation. */
export interface CallInfo {
  /** Call id, `k_…`; a new id for every call of a conversation. */
  id: string;
  /** The conversation that holds the call. */
  conversationId: string;
  /** Who started it. */
  startedBy: string;
  /** When it started (ISO 8601, UTC). */
  startedAt: string;
  /** Participants now, in join order. */
  participants: CallParticipant[];
}

/** What `call:join` answers. */
export interface CallJoined {
  /** The call, including the caller's own participant. */
  call: CallInfo;
  /** The caller's participant id. Send it back in `call:join` to resume this participant after a reconnect. */
  participantId: string;
  /** Whether an earlier participant was resumed (same transports, restart ICE) rather than created. */
  resumed: boolean;
  /** RTP capabilities of the call's router, to load the device with. */
  routerRtpCapabilities: RtpCapabilities;
  /** The send transport; `null` when the user may publish nothing. */
  sendTransport: TransportOptions | null;
  /** The receive transport; `null` when the user may not subscribe. */
  recvTransport: TransportOptions | null;
  /** STUN/TURN servers for the peer connections. */
  iceServers: IceServer[];
}

/** What `call:consume` answers: create the client consumer, then `call:resumeConsumer`. */
export interface ConsumerOptions {
  /** Consumer id. */
  id: string;
  /** The track consumed. */
  trackId: string;
  /** Its publisher. */
  participantId: string;
  kind: MediaKind;
  source: TrackSource;
  rtpParameters: RtpParameters;
  /** Whether the publisher has it paused now. */
  producerPaused: boolean;
}

/** What `call:consumeData` answers. */
export interface DataConsumerOptions {
  /** Data consumer id. */
  id: string;
  /** The data producer consumed. */
  dataProducerId: string;
  /** Its publisher. */
  participantId: string;
  sctpStreamParameters: SctpStreamParameters;
  label: string;
  protocol: string;
}

/** Why a participant left. */
export type ParticipantLeftReason = 'left' | 'removed' | 'disconnected';

/** Why a ring stopped. */
export type RingEndReason = 'answered' | 'declined' | 'timeout' | 'cancelled';

/** Quality of a participant's connection, from the SFU's RTP scores. */
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'lost';

const callIdSchema = z.string().regex(/^k_[A-Za-z0-9_-]{1,62}$/, 'expected a call id (k_…)');
const mediaIdSchema = idSchema;
const participantIdSchema = z.string().regex(/^p_[A-Za-z0-9_-]{1,62}$/, 'expected a participant id (p_…)');
const conversationIdSchema = idSchema;
const sourceSchema = z.enum(['microphone', 'camera', 'screen', 'screen-audio']);

/** Request schemas of calls; merged into `requestSchemas`. */
export const callRequestSchemas = {
  /** Join (and start, if none is live) the call of a conversation; `participantId` resumes after a reconnect. */
  'call:join': z.strictObject({ conversationId: conversationIdSchema, participantId: participantIdSchema.optional() }),
  /** Leave the call. */
  'call:leave': z.strictObject({ callId: callIdSchema }),
  /** Complete DTLS on a transport. */
  'call:connectTransport': z.strictObject({ callId: callIdSchema, transportId: mediaIdSchema, dtlsParameters: dtlsParametersSchema }),
  /** New ICE credentials for a transport after a network change. */
  'call:restartIce': z.strictObject({ callId: callIdSchema, transportId: mediaIdSchema }),
  /** Publish a track from the send transport. */
  'call:produce': z.strictObject({
    callId: callIdSchema,
    transportId: mediaIdSchema,
    kind: z.enum(['audio', 'video']),
    source: sourceSchema,
    rtpParameters: rtpParametersSchema,
    paused: z.boolean().optional(),
  }),
  /** Stop publishing a track. */
  'call:unpublish': z.strictObject({ callId: callIdSchema, trackId: mediaIdSchema }),
  /** Mute (pause) or unmute (resume) an own track. Unmuting a track a moderator muted is allowed. */
  'call:setTrackMuted': z.strictObject({ callId: callIdSchema, trackId: mediaIdSchema, muted: z.boolean() }),
  /** Receive a track on the receive transport; the consumer starts paused. */
  'call:consume': z.strictObject({ callId: callIdSchema, trackId: mediaIdSchema, rtpCapabilities: rtpCapabilitiesSchema }),
  /** Pause or resume a consumer (resume once the client consumer exists; pause while not shown). */
  'call:setConsumerPaused': z.strictObject({ callId: callIdSchema, consumerId: mediaIdSchema, paused: z.boolean() }),
  /** Choose the simulcast layer of a video consumer (0 = lowest). */
  'call:setConsumerLayers': z.strictObject({
    callId: callIdSchema,
    consumerId: mediaIdSchema,
    spatialLayer: z.int().min(0).max(3),
    temporalLayer: z.int().min(0).max(3).optional(),
  }),
  /** Open the caller's data channel on the send transport. */
  'call:produceData': z.strictObject({
    callId: callIdSchema,
    transportId: mediaIdSchema,
    sctpStreamParameters: sctpStreamParametersSchema,
    label: z.string().max(64).optional(),
    protocol: z.string().max(64).optional(),
  }),
  /** Receive another participant's data channel on the receive transport. */
  'call:consumeData': z.strictObject({ callId: callIdSchema, dataProducerId: mediaIdSchema, sctpCapabilities: sctpCapabilitiesSchema.optional() }),
  /** Ring the other members of the call's conversation (direct conversations and groups up to 50 members). */
  'call:ring': z.strictObject({ callId: callIdSchema, userIds: z.array(userIdSchema).min(1).max(50).optional() }),
  /** Stop ringing (the caller gives up). */
  'call:cancelRing': z.strictObject({ callId: callIdSchema }),
  /** Decline a ring on every device of the caller. */
  'call:decline': z.strictObject({ callId: callIdSchema }),
  /** Moderators: mute a participant's source (the server pauses it; only its publisher unmutes). */
  'call:muteParticipant': z.strictObject({ callId: callIdSchema, participantId: participantIdSchema, source: sourceSchema }),
  /** Moderators: remove a participant from the call. */
  'call:removeParticipant': z.strictObject({ callId: callIdSchema, participantId: participantIdSchema }),
  /** The live call of a conversation, or `null`. */
  'call:get': z.strictObject({ conversationId: conversationIdSchema }),
} as const;

/** Request payloads of calls. */
export type CallRequestPayloads = { [K in keyof typeof callRequestSchemas]: z.infer<(typeof callRequestSchemas)[K]> };

/** Requests of calls: payload and the data of a successful answer. Merged into `RequestMap`. */
export interface CallRequestMap {
  'call:join': { req: CallRequestPayloads['call:join']; res: CallJoined };
  'call:leave': { req: CallRequestPayloads['call:leave']; res: Record<string, never> };
  'call:connectTransport': { req: CallRequestPayloads['call:connectTransport']; res: Record<string, never> };
  'call:restartIce': { req: CallRequestPayloads['call:restartIce']; res: { iceParameters: IceParameters } };
  'call:produce': { req: CallRequestPayloads['call:produce']; res: { trackId: string } };
  'call:unpublish': { req: CallRequestPayloads['call:unpublish']; res: Record<string, never> };
  'call:setTrackMuted': { req: CallRequestPayloads['call:setTrackMuted']; res: CallTrack };
  'call:consume': { req: CallRequestPayloads['call:consume']; res: ConsumerOptions };
  'call:setConsumerPaused': { req: CallRequestPayloads['call:setConsumerPaused']; res: Record<string, never> };
  'call:setConsumerLayers': { req: CallRequestPayloads['call:setConsumerLayers']; res: Record<string, never> };
  'call:produceData': { req: CallRequestPayloads['call:produceData']; res: { dataProducerId: string } };
  'call:consumeData': { req: CallRequestPayloads['call:consumeData']; res: DataConsumerOptions };
  'call:ring': { req: CallRequestPayloads['call:ring']; res: { ringing: string[] } };
  'call:cancelRing': { req: CallRequestPayloads['call:cancelRing']; res: Record<string, never> };
  'call:decline': { req: CallRequestPayloads['call:decline']; res: Record<string, never> };
  'call:muteParticipant': { req: CallRequestPayloads['call:muteParticipant']; res: Record<string, never> };
  'call:removeParticipant': { req: CallRequestPayloads['call:removeParticipant']; res: Record<string, never> };
  'call:get': { req: CallRequestPayloads['call:get']; res: CallInfo | null };
}

/** Server→client events of calls. Merged into `ServerToClientEvents`. */
export interface CallServerEvents {
  /** A call started in a conversation the user belongs to (to every member). */
  'call:started': (call: CallInfo) => void;
  /** The call of a conversation ended: its last participant left (to every member). */
  'call:ended': (event: { callId: string; conversationId: string; endedAt: string }) => void;
  /** Someone joined the call (to its participants). */
  'call:participantJoined': (event: { callId: string; participant: CallParticipant }) => void;
  /** Someone left the call (to its participants, and to the removed one). */
  'call:participantLeft': (event: { callId: string; participantId: string; userId: string; reason: ParticipantLeftReason }) => void;
  /** A participant published a track (to the other participants). */
  'call:trackPublished': (event: { callId: string; participantId: string; track: CallTrack }) => void;
  /** A participant stopped publishing a track; its consumers are closed (to the other participants). */
  'call:trackUnpublished': (event: { callId: string; participantId: string; trackId: string }) => void;
  /** A track was muted or unmuted (to every participant, including its publisher). */
  'call:trackUpdated': (event: { callId: string; participantId: string; track: CallTrack; mutedBy: string | null }) => void;
  /** The server closed one of the caller's consumers (its track or transport went away). */
  'call:consumerClosed': (event: { callId: string; consumerId: string }) => void;
  /** A participant opened a data channel (to the other participants). */
  'call:dataPublished': (event: { callId: string; participantId: string; dataProducerId: string; label: string }) => void;
  /** Loudest participants now, loudest first; empty when everyone is silent. */
  'call:activeSpeakers': (event: { callId: string; speakers: { participantId: string; level: number }[] }) => void;
  /** A participant's connection quality changed (to every participant). */
  'call:quality': (event: { callId: string; participantId: string; quality: ConnectionQuality }) => void;
  /**
   * The caller's media path is gone (the SFU worker died or the call moved): send `call:join`
   * with the participant id again and rebuild transports, tracks and consumers.
   */
  'call:rebuild': (event: { callId: string; reason: 'worker-died' | 'moved' }) => void;
  /** Someone rings the user (to every device of the callee). */
  'call:ringing': (event: { callId: string; conversationId: string; callerId: string; callerName: string; expiresAt: string }) => void;
  /** A ring stopped (to the callee's devices and to the caller). */
  'call:ringEnded': (event: { callId: string; conversationId: string; userId: string; reason: RingEndReason }) => void;
}
