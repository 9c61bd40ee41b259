import type { CallInfo, CallParticipant, CallTrack, ParticipantLeftReason } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import type { CallEvents } from '../events.js';
import type { Logger } from '../logger.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { RemoteTrack } from './RemoteTrack.js';
import type { RemoteTrackControl } from './RemoteTrack.js';

/**
 * How long, after a rebuild, a track missing from the join answer is kept for its publisher to
 * publish it again (the SFU restarted and everyone is rebuilding), in ms. Then it is unpublished.
 */
export const RETURNING_TRACK_GRACE_MS = 15_000;

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
  /** Tracks the app was told are subscribed (`trackSubscribed` fired, `trackUnsubscribed` not yet). */
  readonly #announced = new WeakSet<RemoteTrack>();
  /** Tracks kept after a rebuild until their publisher publishes them again (or the grace ends). */
  readonly #returning = new Map<RemoteTrack, ReturnType<typeof setTimeout>>();
  /** Set by {@link RemoteRoster.dropConsumers}: the next reconcile keeps missing tracks a while. */
  #rebuilding = false;

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
   * on the current session (again, after a rebuild). After a rebuild, a track missing from the
   * answer is kept (same object, elements attached) for {@link RETURNING_TRACK_GRACE_MS} for its
   * publisher to publish it again. Resolves once the subscriptions started settled.
   */
  reconcile(info: CallInfo): Promise<void> {
    const started: Promise<void>[] = [];
    const holdMissing = this.#rebuilding;
    this.#rebuilding = false;
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
      for (const t of p.tracks) {
        const track = known._trackById(t.id);
        if (!track) this.addTrack(p.id, t);
        else {
          this.#applyMuted(track, known, t.muted);
          if (this.#wanted.has(t.id) && !this.#subscribing.has(t.id)) this.#subscribeInBackground(track);
        }
        const run = this.#subscribing.get(t.id);
        if (run) started.push(run);
      }
      // Added first: a track published again under a new id took over its old object.
      for (const t of [...known._tracks.values()]) {
        if (ids.has(t.id)) continue;
        if (holdMissing) this.#holdReturning(p.id, t);
        else this.removeTrack(p.id, t.id);
      }
    }
    return Promise.allSettled(started).then(() => undefined);
  }

  /**
   * Forgets every consumer (their transport is gone) before a rebuild, without events: wanted
   * tracks stay wanted and the same objects are received again by the next
   * {@link RemoteRoster.reconcile} (or when their publisher publishes them again), their elements
   * keeping the last picture until then.
   */
  dropConsumers(): void {
    this.#rebuilding = true;
    for (const p of this.#participants.values()) for (const t of p._tracks.values()) if (t._consumer) t._unbind(true);
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

  /**
   * A participant published a track. A track of the same source it still has (kept through a
   * rebuild, or stale) takes the new id: same object, no events, received again when wanted.
   */
  addTrack(participantId: string, t: CallTrack): void {
    const p = this.#participants.get(participantId);
    if (!p || p._trackById(t.id)) return;
    const old = p._tracks.get(t.source);
    if (old && old.kind === t.kind) {
      this.#rekey(p, old, t);
      return;
    }
    if (old) this.removeTrack(participantId, old.id);
    const track = new RemoteTrack(t, this.#ctx.trackControl);
    p._tracks.set(t.source, track);
    this.#ctx.emit('trackPublished', track, p);
    if (this.#ctx.autoSubscribe && this.#ctx.canReceive()) this.#wanted.add(t.id);
    if (this.#wanted.has(t.id)) this.#subscribeInBackground(track);
  }

  /** A track was unpublished. */
  removeTrack(participantId: string, trackId: string): void {
    const p = this.#participants.get(participantId);
    const track = p?._trackById(trackId);
    if (!p || !track) return;
    this.#wanted.delete(trackId);
    this.#stopReturning(track);
    const wasSubscribed = this.#announced.delete(track);
    track._close();
    p._tracks.delete(track.source);
    if (wasSubscribed) this.#ctx.emit('trackUnsubscribed', track, p);
    this.#ctx.emit('trackUnpublished', track, p);
  }

  /** A remote track was muted or unmuted. */
  onTrackUpdated(participantId: string, t: CallTrack): void {
    const p = this.#participants.get(participantId);
    const track = p?._trackById(t.id);
    if (p && track) this.#applyMuted(track, p, t.muted);
  }

  /** The server closed one of the user's consumers. */
  onConsumerClosed(consumerId: string): void {
    for (const p of this.#participants.values()) {
      for (const track of p._tracks.values()) {
        if (track._consumer?.id !== consumerId) continue;
        this.#wanted.delete(track.id);
        track._unbind();
        if (this.#announced.delete(track)) this.#ctx.emit('trackUnsubscribed', track, p);
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
    if (!owner) return;
    track._unbind();
    if (this.#announced.delete(track)) this.#ctx.emit('trackUnsubscribed', track, owner);
  }

  /** The participant publishing `track`, while it is published. */
  ownerOf(track: RemoteTrack): RemoteParticipant | null {
    for (const p of this.#participants.values()) if (p._tracks.get(track.source) === track) return p;
    return null;
  }

  /** Closes every consumer and detaches every element, without events (the call is over). */
  closeAll(): void {
    for (const timer of this.#returning.values()) clearTimeout(timer);
    this.#returning.clear();
    for (const p of this.#participants.values()) for (const t of p._tracks.values()) t._close();
    this.#wanted.clear();
  }

  async #consume(track: RemoteTrack): Promise<void> {
    const id = track.id;
    const { consumer, generation } = await this.#ctx.consume(id);
    const owner = this.ownerOf(track);
    // Gone, unwanted, published again meanwhile or from a session replaced meanwhile: of no use.
    if (!owner || track.id !== id || !this.#wanted.has(id) || generation !== this.#ctx.generation() || consumer.closed) {
      consumer.close();
      return;
    }
    track._bind(consumer);
    if (this.#announced.has(track)) return; // received again after a recovery: same object, no event
    this.#announced.add(track);
    this.#ctx.emit('trackSubscribed', track, owner);
  }

  #subscribeInBackground(track: RemoteTrack): void {
    this.subscribe(track).catch((error: unknown) => {
      this.#ctx.logger().warn('subscribing to a track failed', { trackId: track.id, error });
      // Announced before a rebuild but not received again: the app must know.
      const owner = this.ownerOf(track);
      if (owner && !track.isSubscribed && this.#announced.delete(track)) {
        track._unbind();
        this.#ctx.emit('trackUnsubscribed', track, owner);
      }
    });
  }

  /** `old` is published again as `t`: the same object takes the new id and is received again. */
  #rekey(p: RemoteParticipant, old: RemoteTrack, t: CallTrack): void {
    this.#stopReturning(old);
    const wanted = this.#wanted.delete(old.id) || (this.#ctx.autoSubscribe && this.#ctx.canReceive());
    old._rekey(t); // same source, same key in p._tracks
    this.#applyMuted(old, p, t.muted);
    if (wanted) {
      this.#wanted.add(t.id);
      this.#subscribeInBackground(old);
    } else if (this.#announced.delete(old)) {
      this.#ctx.emit('trackUnsubscribed', old, p);
    }
  }

  #holdReturning(participantId: string, track: RemoteTrack): void {
    if (this.#returning.has(track)) return;
    this.#returning.set(
      track,
      setTimeout(() => {
        this.#returning.delete(track);
        this.removeTrack(participantId, track.id);
      }, RETURNING_TRACK_GRACE_MS),
    );
  }

  #stopReturning(track: RemoteTrack): void {
    const timer = this.#returning.get(track);
    if (timer) clearTimeout(timer);
    this.#returning.delete(track);
  }

  #applyMuted(track: RemoteTrack, p: RemoteParticipant, muted: boolean): void {
    if (track.muted === muted) return;
    track._setMuted(muted);
    this.#ctx.emit(muted ? 'trackMuted' : 'trackUnmuted', track, p);
  }
}
