import { randomBytes } from 'node:crypto';
import type { CallInfo, ConnectionQuality, ParticipantLeftReason, ResolvedGrants, ServerToClientEvents, TransportOptions } from '@plaza/protocol';
import type { BroadcastOperator } from 'socket.io';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import type { PlazaIo, SocketData } from '../signaling/context.js';
import { CallParticipant } from './CallParticipant.js';
import { CallRouter } from './CallRouter.js';
import { capacityOp } from './mediaErrors.js';
import type { RtcAddress } from './mediaSettings.js';
import { webRtcTransportOptions } from './mediaSettings.js';
import type { WorkerPool } from './WorkerPool.js';

/** Active speaker reports per call, at most one per this many ms. */
const SPEAKERS_THROTTLE_MS = 250;
/** Quality is recomputed at most once per this many ms. */
const QUALITY_THROTTLE_MS = 1000;

/** What a call needs from the server. */
export interface CallDeps {
  io: PlazaIo;
  pool: WorkerPool;
  logger: Logger;
  rtcAddress: RtcAddress;
  participantsPerRouter: number;
}

/** Socket.io room of a call's participants. */
export function callRoom(callId: string): string {
  return `k:${callId}`;
}

/** Where call events are emitted to. */
export type CallEmitter = BroadcastOperator<ServerToClientEvents, SocketData>;

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** Maps a mediasoup RTP score (0–10) to a connection quality. */
export function qualityOf(score: number): ConnectionQuality {
  if (score >= 8) return 'excellent';
  if (score >= 5) return 'good';
  if (score >= 1) return 'poor';
  return 'lost';
}

/**
 * The live call of one conversation: its participants in join order, its routers (one, or
 * several on different workers once `participantsPerRouter` is reached), active speakers and
 * connection quality. Media requests live in `callMedia.ts`; joining, leaving and ending in
 * `CallManager`.
 */
export class Call {
  /** `k_…`. */
  readonly id: string;
  readonly conversationId: string;
  readonly startedBy: string;
  readonly startedAt: string;
  /** Participants by id, in join order. */
  readonly participants = new Map<string, CallParticipant>();
  /** User ids of participants that left this call, by participant id (a rejoin after the grace joins anew). */
  readonly departed = new Map<string, string>();
  /** Routers, oldest first. */
  routers: CallRouter[] = [];
  /** Set once ended. */
  ended = false;
  readonly deps: CallDeps;
  readonly logger: Logger;
  #speakersTimer: NodeJS.Timeout | null = null;
  #lastSpeakers = '[]';
  #qualityTimer: NodeJS.Timeout | null = null;

  /** @internal created by `CallManager` */
  constructor(conversationId: string, startedBy: string, deps: CallDeps) {
    this.id = newId('k');
    this.conversationId = conversationId;
    this.startedBy = startedBy;
    this.startedAt = new Date().toISOString();
    this.deps = deps;
    this.logger = deps.logger.child({ callId: this.id, conversationId });
  }

  /** The wire form. */
  info(): CallInfo {
    return {
      id: this.id,
      conversationId: this.conversationId,
      startedBy: this.startedBy,
      startedAt: this.startedAt,
      participants: [...this.participants.values()].map((p) => p.toWire()),
    };
  }

  /** Emitter to every participant of the call, except the socket `exceptSocketId`. */
  toCall(exceptSocketId: string | null = null): CallEmitter {
    const room = this.deps.io.to(callRoom(this.id));
    return exceptSocketId ? room.except(exceptSocketId) : room;
  }

  /** Emitter to one participant's socket (nothing while it waits to be resumed). */
  toParticipant(participant: CallParticipant): CallEmitter | null {
    return participant.socketId ? this.deps.io.to(participant.socketId) : null;
  }

  /** The participant bound to `socketId`, if any. */
  participantOfSocket(socketId: string): CallParticipant | undefined {
    for (const p of this.participants.values()) if (p.socketId === socketId) return p;
    return undefined;
  }

  /** Adds a participant (no media yet). */
  addParticipant(init: { userId: string; name: string; grants: ResolvedGrants; socketId: string }): CallParticipant {
    const participant = new CallParticipant({ id: newId('p'), ...init });
    this.participants.set(participant.id, participant);
    return participant;
  }

  /** A router for a new participant: one with room, else a new one on the least-loaded worker this call does not use yet. */
  async #routerWithRoom(): Promise<CallRouter> {
    this.routers = this.routers.filter((r) => !r.closed);
    const withRoom = this.routers.find((r) => r.participants < this.deps.participantsPerRouter);
    if (withRoom) return withRoom;
    const worker = await this.deps.pool.acquire(new Set(this.routers.map((r) => r.worker)));
    // Another join may have added a router meanwhile.
    const raced = this.routers.find((r) => !r.closed && r.participants < this.deps.participantsPerRouter);
    if (raced) return raced;
    const router = await capacityOp('creating a router', () => CallRouter.create(worker, () => this.#scheduleSpeakers()));
    if (this.ended) {
      router.close();
      throw new Error('the call ended');
    }
    this.routers.push(router);
    if (this.routers.length > 1) this.logger.info({ routers: this.routers.length, pid: worker.pid }, 'call spread over another router');
    return router;
  }

  /** Makes sure the call has at least one live router (for a call that starts, or after a worker death). */
  async ensureRouter(): Promise<CallRouter> {
    const live = this.routers.find((r) => !r.closed);
    if (live) return live;
    return this.#routerWithRoom();
  }

  /** The RTP capabilities clients load their device with (every router has the same codecs). */
  async rtpCapabilities(): Promise<ms.RtpCapabilities> {
    return (await this.ensureRouter()).router.rtpCapabilities;
  }

  /** Gives `participant` a router and the transports its grants allow. */
  async buildMedia(participant: CallParticipant): Promise<void> {
    const router = await this.#routerWithRoom();
    router.participants++;
    participant.router = router;
    const options = webRtcTransportOptions(this.deps.rtcAddress);
    const canPublish = participant.grants.canPublish.length > 0;
    const canSubscribe = participant.grants.canSubscribe;
    // Both transports or none: one that was created while the other failed is closed again.
    const [send, recv] = await Promise.allSettled([
      canPublish ? capacityOp('creating the send transport', () => router.router.createWebRtcTransport({ ...options, appData: { participantId: participant.id } })) : null,
      canSubscribe ? capacityOp('creating the receive transport', () => router.router.createWebRtcTransport({ ...options, appData: { participantId: participant.id } })) : null,
    ]);
    if (send.status === 'rejected' || recv.status === 'rejected') {
      if (send.status === 'fulfilled') send.value?.close();
      if (recv.status === 'fulfilled') recv.value?.close();
      participant.dropMedia();
      throw send.status === 'rejected' ? send.reason : (recv as PromiseRejectedResult).reason;
    }
    participant.sendTransport = send.value;
    participant.recvTransport = recv.value;
    if (participant.gone) participant.dropMedia();
  }

  /** The router holding track `trackId` (a producer id) and its publisher. */
  findTrack(trackId: string): { participant: CallParticipant; router: CallRouter } | null {
    for (const participant of this.participants.values()) {
      if (participant.tracks.has(trackId) && participant.router) return { participant, router: participant.router };
    }
    return null;
  }

  /** The router holding data producer `dataProducerId` and its publisher. */
  findDataProducer(dataProducerId: string): { participant: CallParticipant; router: CallRouter } | null {
    for (const participant of this.participants.values()) {
      if (participant.dataProducer?.id === dataProducerId && participant.router) return { participant, router: participant.router };
    }
    return null;
  }

  /**
   * Removes a participant: tells everyone its tracks are gone and that it left (the participant
   * itself too, when `reason` is `removed`), closes every mediasoup object it owns and takes its
   * socket out of the call's room.
   */
  removeParticipant(participant: CallParticipant, reason: ParticipantLeftReason): void {
    if (participant.gone) return;
    participant.gone = true;
    if (participant.graceTimer) clearTimeout(participant.graceTimer);
    participant.graceTimer = null;
    this.participants.delete(participant.id);
    this.departed.set(participant.id, participant.userId);
    for (const trackId of participant.tracks.keys()) {
      this.toCall(participant.socketId).emit('call:trackUnpublished', { callId: this.id, participantId: participant.id, trackId });
    }
    participant.dropMedia();
    this.toCall().emit('call:participantLeft', { callId: this.id, participantId: participant.id, userId: participant.userId, reason });
    if (participant.socketId) this.deps.io.in(participant.socketId).socketsLeave(callRoom(this.id));
  }

  /**
   * After the worker of one of the call's routers died: drops every participant's media (their
   * tracks are gone; they re-publish), closes the call's remaining routers, sends `call:rebuild`
   * to every participant and creates a new router on a live worker.
   */
  async rebuild(): Promise<void> {
    for (const participant of this.participants.values()) participant.dropMedia();
    for (const router of this.routers) router.close();
    this.routers = [];
    this.#lastSpeakers = '[]';
    // Tell the clients first: they tear down while the new router is created (their joins wait for it).
    this.toCall().emit('call:rebuild', { callId: this.id, reason: 'worker-died' });
    await this.ensureRouter();
  }

  /** Whether any of the call's routers runs on `worker`. */
  usesWorker(worker: ms.Worker): boolean {
    return this.routers.some((r) => r.worker === worker);
  }

  /** Ends the call: closes its routers and timers. The caller removes the participants first. */
  close(): void {
    this.ended = true;
    for (const participant of this.participants.values()) participant.dropMedia();
    for (const router of this.routers) router.close();
    this.routers = [];
    if (this.#speakersTimer) clearTimeout(this.#speakersTimer);
    if (this.#qualityTimer) clearTimeout(this.#qualityTimer);
    this.#speakersTimer = null;
    this.#qualityTimer = null;
  }

  /** The transport options a client creates its side of `transport` with. */
  static transportOptions(transport: ms.WebRtcTransport | null): TransportOptions | null {
    if (!transport) return null;
    const sctp = transport.sctpParameters;
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates as TransportOptions['iceCandidates'],
      dtlsParameters: transport.dtlsParameters as TransportOptions['dtlsParameters'],
      ...(sctp ? { sctpParameters: { port: sctp.port, OS: sctp.OS, MIS: sctp.MIS, maxMessageSize: sctp.maxMessageSize } } : {}),
    };
  }

  #scheduleSpeakers(): void {
    if (this.#speakersTimer || this.ended) return;
    this.#speakersTimer = setTimeout(() => {
      this.#speakersTimer = null;
      this.#emitSpeakers();
    }, SPEAKERS_THROTTLE_MS);
    this.#speakersTimer.unref();
  }

  #emitSpeakers(): void {
    if (this.ended) return;
    const byProducer = new Map<string, CallParticipant>();
    for (const p of this.participants.values()) for (const id of p.tracks.keys()) byProducer.set(id, p);
    const speakers: { participantId: string; level: number }[] = [];
    const volumes = this.routers.flatMap((r) => (r.closed ? [] : r.volumes)).sort((a, b) => b.volume - a.volume);
    for (const { producerId, volume } of volumes) {
      const participant = byProducer.get(producerId);
      if (!participant || speakers.some((s) => s.participantId === participant.id)) continue;
      // dBov (-127..0) to 0..1, with -70 dBov (the observer's threshold) as silence.
      speakers.push({ participantId: participant.id, level: Math.round(Math.min(1, Math.max(0, (volume + 70) / 70)) * 100) / 100 });
    }
    const key = JSON.stringify(speakers.map((s) => s.participantId));
    if (key === this.#lastSpeakers) return;
    this.#lastSpeakers = key;
    this.toCall().emit('call:activeSpeakers', { callId: this.id, speakers });
  }

  /** Records an RTP score of one of `participant`'s producers or consumers. */
  recordScore(participant: CallParticipant, objectId: string, score: number): void {
    participant.scores.set(objectId, score);
    if (this.#qualityTimer || this.ended) return;
    this.#qualityTimer = setTimeout(() => {
      this.#qualityTimer = null;
      this.#emitQuality();
    }, QUALITY_THROTTLE_MS);
    this.#qualityTimer.unref();
  }

  #emitQuality(): void {
    if (this.ended) return;
    for (const participant of this.participants.values()) {
      if (participant.scores.size === 0) continue;
      const quality = qualityOf(Math.min(...participant.scores.values()));
      if (quality === participant.quality) continue;
      participant.quality = quality;
      this.toCall().emit('call:quality', { callId: this.id, participantId: participant.id, quality });
    }
  }
}
