import type { CallInfo, CallParticipant, CallTrack, ParticipantLeftReason } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import type { CallEvents } from '../events.js';
import type { Logger } from '../logger.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { RemoteTrack } from './RemoteTrack.js';
import type { RemoteTrackControl } from './RemoteTrack.js';

/** What the roster needs from its call (injected). */
export interface RemoteRosterContext {
  /** Emits a call event. */
  emit<E extends keyof CallEvents>(event: E, ...args: CallEvents[E]): void;
  /** Receives a track on the current media session; `generation` identifies that session. */
  consume(trackId: string): Promise<{ consumer: ms.Consumer; generation: number }>;
  /** The current media session's generation (a rebuild increments it). */
  generation(): number;
  /** The user's own participant id (never a remote). */
  localId(): string;
  /** Signaling for layer and pause requests of tracks. */
  trackControl: RemoteTrackControl;
  /** Subscribe to every track when it is published. */
  autoSubscribe: boolean;
  /** Whether the user may receive tracks at all (the server gave a receive transport). */
  canReceive(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/**
 * @internal The other participants of a call and their tracks: keeps them in step with the server's
 * events, subscribes (automatically or on request) and re-subscribes after a rebuild.
 */
export class RemoteRoster {
  readonly #ctx: RemoteRosterContext;
  readonly #participants = new Map<string, RemoteParticipant>();
  /** Track ids the app wants received (every track with `autoSubscribe`). */
  readonly #wanted = new Set<string>();
  readonly #subscribing = new Map<string, Promise<void>>();

  constructor(ctx: RemoteRosterContext) {
    this.#ctx = ctx;
  }

  /** The other participants by id. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#participants;
  }

  /**
   * Brings the roster in line with `info` (the call as a `call:join` answered): participants and
   * tracks gone are removed with their events, new ones added, and every wanted track is received
   * on the current session (again, after a rebuild). Resolves once those subscriptions settled.
   */
  reconcile(info: CallInfo): Promise<void> {
    const started: Promise<void>[] = [];
    const present = new Set(info.participants.map((p) => p.id));
    for (const p of [...this.#participants.values()]) if (!present.has(p.id)) this.removeParticipant(p.id, 'left');
    for (const p of info.participants) {
      if (p.id === this.#ctx.localId()) continue;
      const known = this.#participants.get(p.id);
      if (!known) {
        this.addParticipant(p);
        for (const t of p.tracks) {
          const run = this.#subscribing.get(t.id);
          if (run) started.push(run);
        }
        continue;
      }
      const ids = new Set(p.tracks.map((t) => t.id));
      for (const t of [...known._tracks.values()]) if (!ids.has(t.id)) this.removeTrack(p.id, t.id);
      for (const t of p.tracks) {
        const track = known._tracks.get(t.id);
        if (!track) this.addTrack(p.id, t);
        else {
          this.#applyMuted(track, known, t.muted);
          if (this.#wanted.has(t.id) && !this.#subscribing.has(t.id)) this.#subscribeInBackground(track);
        }
        const run = this.#subscribing.get(t.id);
        if (run) started.push(run);
      }
    }
    return Promise.allSettled(started).then(() => undefined);
  }

  /**
   * Forgets every consumer (their transport is gone; `trackUnsubscribed` for each); wanted tracks
   * stay wanted and are received again by the next {@link RemoteRoster.reconcile}.
   */
  dropConsumers(): void {
    for (const p of this.#participants.values()) {
      for (const t of p._tracks.values()) {
        if (!t._consumer) continue;
        const was = t.isSubscribed;
        t._unbind();
        if (was) this.#ctx.emit('trackUnsubscribed', t, p);
      }
    }
  }

  /** A participant joined (with its tracks, if any). */
  addParticipant(p: CallParticipant): void {
    if (p.id === this.#ctx.localId() || this.#participants.has(p.id)) return;
    const participant = new RemoteParticipant(p);
    this.#participants.set(p.id, participant);
    this.#ctx.emit('participantJoined', participant);
    for (const t of p.tracks) this.addTrack(p.id, t);
  }

  /** A participant left: its tracks are unpublished first. */
  removeParticipant(participantId: string, reason: ParticipantLeftReason): void {
    const p = this.#participants.get(participantId);
    if (!p) return;
    for (const t of [...p._tracks.values()]) this.removeTrack(participantId, t.id);
    this.#participants.delete(participantId);
    this.#ctx.emit('participantLeft', p, reason);
  }

  /** A participant published a track. A track of the same source it had before is stale and goes first. */
  addTrack(participantId: string, t: CallTrack): void {
    const p = this.#participants.get(participantId);
    if (!p || p._tracks.has(t.id)) return;
    for (const old of [...p._tracks.values()]) if (old.source === t.source) this.removeTrack(participantId, old.id);
    const track = new RemoteTrack(t, this.#ctx.trackControl);
    p._tracks.set(t.id, track);
    this.#ctx.emit('trackPublished', track, p);
    if (this.#ctx.autoSubscribe && this.#ctx.canReceive()) this.#wanted.add(t.id);
    if (this.#wanted.has(t.id)) this.#subscribeInBackground(track);
  }

  /** A track was unpublished. */
  removeTrack(participantId: string, trackId: string): void {
    const p = this.#participants.get(participantId);
    const track = p?._tracks.get(trackId);
    if (!p || !track) return;
    this.#wanted.delete(trackId);
    const wasSubscribed = track.isSubscribed;
    track._close();
    p._tracks.delete(trackId);
    if (wasSubscribed) this.#ctx.emit('trackUnsubscribed', track, p);
    this.#ctx.emit('trackUnpublished', track, p);
  }

  /** A remote track was muted or unmuted. */
  onTrackUpdated(participantId: string, t: CallTrack): void {
    const p = this.#participants.get(participantId);
    const track = p?._tracks.get(t.id);
    if (p && track) this.#applyMuted(track, p, t.muted);
  }

  /** The server closed one of the user's consumers. */
  onConsumerClosed(consumerId: string): void {
    for (const p of this.#participants.values()) {
      for (const track of p._tracks.values()) {
        if (track._consumer?.id !== consumerId) continue;
        this.#wanted.delete(track.id);
        track._unbind();
        this.#ctx.emit('trackUnsubscribed', track, p);
        return;
      }
    }
  }

  /** Receives `track` (resolves once `trackSubscribed` fired; at once when already subscribed). */
  subscribe(track: RemoteTrack): Promise<void> {
    this.#wanted.add(track.id);
    const running = this.#subscribing.get(track.id);
    if (running) return running;
    if (track.isSubscribed) return Promise.resolve();
    const run = this.#consume(track).finally(() => this.#subscribing.delete(track.id));
    this.#subscribing.set(track.id, run);
    return run;
  }

  /** Stops receiving `track`. */
  unsubscribe(track: RemoteTrack): void {
    this.#wanted.delete(track.id);
    const owner = this.ownerOf(track);
    if (!track.isSubscribed || !owner) return;
    track._unbind();
    this.#ctx.emit('trackUnsubscribed', track, owner);
  }

  /** The participant publishing `track`, while it is published. */
  ownerOf(track: RemoteTrack): RemoteParticipant | null {
    for (const p of this.#participants.values()) if (p._tracks.get(track.id) === track) return p;
    return null;
  }

  /** Closes every consumer and detaches every element, without events (the call is over). */
  closeAll(): void {
    for (const p of this.#participants.values()) for (const t of p._tracks.values()) t._close();
    this.#wanted.clear();
  }

  async #consume(track: RemoteTrack): Promise<void> {
    const { consumer, generation } = await this.#ctx.consume(track.id);
    const owner = this.ownerOf(track);
    // Gone, unwanted or from a session replaced meanwhile: the consumer is of no use.
    if (!owner || !this.#wanted.has(track.id) || generation !== this.#ctx.generation() || consumer.closed) {
      consumer.close();
      return;
    }
    track._bind(consumer);
    this.#ctx.emit('trackSubscribed', track, owner);
  }

  #subscribeInBackground(track: RemoteTrack): void {
    this.subscribe(track).catch((error: unknown) => this.#ctx.logger().warn('subscribing to a track failed', { trackId: track.id, error }));
  }

  #applyMuted(track: RemoteTrack, p: RemoteParticipant, muted: boolean): void {
    if (track.muted === muted) return;
    track._setMuted(muted);
    this.#ctx.emit(muted ? 'trackMuted' : 'trackUnmuted', track, p);
  }
}
