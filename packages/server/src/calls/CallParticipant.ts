import type { CallParticipant as WireParticipant, CallTrack, ConnectionQuality, ResolvedGrants, TrackSource } from '@plaza/protocol';
import type { types as ms } from 'mediasoup';
import type { CallRouter } from './CallRouter.js';

/** A published track: the producer and what the protocol says about it. */
export interface PublishedTrack {
  producer: ms.Producer;
  source: TrackSource;
  /** User id of the moderator who muted it, or `null`. */
  mutedBy: string | null;
}

/** A consumer of a participant and the track it receives. */
export interface ConsumerEntry {
  consumer: ms.Consumer;
  trackId: string;
}

/**
 * One device of a user in a call: its socket binding and every mediasoup object it owns. The
 * media part (`router`, transports, producers, consumers, data) can be dropped and rebuilt while
 * the participant (id, join time) stays, after a worker death.
 */
export class CallParticipant {
  /** `p_…`. */
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly joinedAt: string;
  /** Grants of the socket that joined or resumed last. */
  grants: ResolvedGrants;
  /** The socket it is bound to; `null` while waiting to be resumed after the socket went away. */
  socketId: string | null;
  /** The socket it was bound to before `socketId` became `null` (a recovered socket keeps its id). */
  lastSocketId: string | null = null;
  /** Removal timer while `socketId` is `null`. */
  graceTimer: NodeJS.Timeout | null = null;
  /** The router its transports live on; `null` until (re)built. */
  router: CallRouter | null = null;
  sendTransport: ms.WebRtcTransport | null = null;
  recvTransport: ms.WebRtcTransport | null = null;
  /** Published tracks by track (producer) id. */
  readonly tracks = new Map<string, PublishedTrack>();
  /** Sources with a `produce` in flight (one track per source). */
  readonly producing = new Set<TrackSource>();
  readonly consumers = new Map<string, ConsumerEntry>();
  dataProducer: ms.DataProducer | null = null;
  /** Whether a `produceData` is in flight. */
  producingData = false;
  readonly dataConsumers = new Map<string, ms.DataConsumer>();
  /** Latest RTP score (0–10) per producer/consumer id, for connection quality. */
  readonly scores = new Map<string, number>();
  /** Last quality announced. */
  quality: ConnectionQuality | null = null;
  /** Set once it left: late results of requests in flight are closed at once. */
  gone = false;

  /** @internal created by the call */
  constructor(init: { id: string; userId: string; name: string; grants: ResolvedGrants; socketId: string }) {
    this.id = init.id;
    this.userId = init.userId;
    this.name = init.name;
    this.grants = init.grants;
    this.socketId = init.socketId;
    this.joinedAt = new Date().toISOString();
  }

  /** Whether it has transports (false before the first build and after a worker death). */
  get hasMedia(): boolean {
    return this.router !== null && !this.router.closed;
  }

  /** The participant's track of `source`, if published. */
  trackOf(source: TrackSource): [string, PublishedTrack] | undefined {
    for (const entry of this.tracks) if (entry[1].source === source) return entry;
    return undefined;
  }

  /** Whether `transportId` is one of its transports. */
  ownsTransport(transportId: string): ms.WebRtcTransport | null {
    if (this.sendTransport?.id === transportId) return this.sendTransport;
    if (this.recvTransport?.id === transportId) return this.recvTransport;
    return null;
  }

  /** The wire form of a track. */
  static trackInfo(id: string, track: PublishedTrack): CallTrack {
    return {
      id,
      source: track.source,
      kind: track.producer.kind,
      muted: track.producer.paused,
      layers: Math.max(1, track.producer.rtpParameters.encodings?.length ?? 1),
    };
  }

  /** The wire form. */
  toWire(): WireParticipant {
    return {
      id: this.id,
      userId: this.userId,
      name: this.name,
      joinedAt: this.joinedAt,
      tracks: [...this.tracks].map(([id, track]) => CallParticipant.trackInfo(id, track)),
      ...(this.dataProducer && !this.dataProducer.closed ? { dataProducerId: this.dataProducer.id } : {}),
    };
  }

  /**
   * Closes every mediasoup object it owns (transports close their producers, consumers and data
   * objects) and forgets them. The router is left to the call. Idempotent.
   */
  dropMedia(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    for (const track of this.tracks.values()) track.producer.close();
    for (const { consumer } of this.consumers.values()) consumer.close();
    this.dataProducer?.close();
    for (const dataConsumer of this.dataConsumers.values()) dataConsumer.close();
    this.sendTransport = null;
    this.recvTransport = null;
    this.tracks.clear();
    this.consumers.clear();
    this.dataProducer = null;
    this.dataConsumers.clear();
    this.scores.clear();
    this.producing.clear();
    this.producingData = false;
    if (this.router) this.router.participants--;
    this.router = null;
  }
}
