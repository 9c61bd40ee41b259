import { ErrorCode } from '@plaza/protocol';
import type { CallJoined, CallServerEvents, TrackSource } from '@plaza/protocol';
import { InvalidStateError, PlazaError, toPlazaError } from '../errors.js';
import type { CallEvents, CallLeftReason } from '../events.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import type { Logger } from '../logger.js';
import { CallData } from './CallData.js';
import { routeCallEvent } from './callEventRouter.js';
import type { CallEventTarget } from './callEventRouter.js';
import { CallRecovery, leftReasonOfRecoveryFailure } from './CallRecovery.js';
import { nextCallState } from './CallState.js';
import { QualitySettler } from './QualitySettler.js';
import type { CallState, CallStateInput } from './CallState.js';
import { LocalParticipant } from './LocalParticipant.js';
import type { LocalTrack } from './LocalTrack.js';
import { LocalPublisher } from './LocalPublisher.js';
import { MediaSession } from './MediaSession.js';
import type { Participant } from './Participant.js';
import type { RemoteParticipant } from './RemoteParticipant.js';
import { RemoteRoster } from './RemoteRoster.js';
import type { RemoteTrack } from './RemoteTrack.js';
import type { RequestFn } from './signaling.js';
import type { WebRtcImplementation } from './webrtc.js';
import type {
  JoinCallOptions,
  PublishCameraOptions,
  PublishMicrophoneOptions,
  PublishScreenOptions,
  PublishTrackOptions,
} from './callOptions.js';

export type { JoinCallOptions, PublishCameraOptions, PublishMicrophoneOptions, PublishScreenOptions, PublishTrackOptions } from './callOptions.js';

/** @internal The options a call object keeps (the join's own, like `participantId`, are spent). */
export type CallOptions = Required<Pick<JoinCallOptions, 'autoSubscribe'>>;

/** What a call needs from the client (injected). */
export interface CallContext {
  /** Signaling. */
  request: RequestFn;
  /** WebRTC classes for runtimes without them. */
  webrtc: WebRtcImplementation | undefined;
  /** Whether the Plaza connection is up. */
  isConnected(): boolean;
  /** The call is over for the user: the manager forgets it. */
  ended(call: Call): void;
  /** Where to log. */
  logger(): Logger;
}

/** How long joining waits at most for the data channels to open, in ms. */
const DATA_CHANNELS_JOIN_WAIT_MS = 5000;

type ServerEvent<K extends keyof CallServerEvents> = Parameters<CallServerEvents[K]>[0];

/**
 * The user's presence in the live call of a conversation: publish the microphone, camera and
 * screen, receive the others, and follow them through events. Get one with
 * `conversation.joinCall()` (or `ring.accept()`). Lost connections, network changes and SFU
 * restarts are recovered by the SDK (`reconnecting` → `reconnected`).
 *
 * Events caused by the join itself — `participantJoined` for everyone already in the call,
 * `trackPublished` for their tracks, `trackSubscribed` for those received during the join — are
 * delivered after `joinCall()` resolved, in a task of their own: listeners added right after the
 * `await` (before the next `await`) get each of them once, in order. Code that attaches listeners
 * later reads the state instead: {@link Call.participants}, their `tracks` and
 * `track.isSubscribed`.
 *
 * @example
 * ```ts
 * const call = await conv.joinCall();
 * call.on('trackSubscribed', (track) => grid.append(track.attach())); // the others already there too
 * await call.publishMicrophone(); await call.publishCamera();
 * ```
 */
export class Call extends SafeEmitter<CallEvents> {
  /** The conversation holding the call. */
  readonly conversationId: string;
  /** The user's own participant. */
  readonly localParticipant: LocalParticipant;
  #id: string;
  #state: CallState = 'connecting';
  #session: MediaSession | null = null;
  #generation = 0;
  #speakers: Participant[] = [];
  readonly #ctx: CallContext;
  readonly #roster: RemoteRoster;
  readonly #recovery: CallRecovery;
  readonly #data: CallData;
  readonly #publisher: LocalPublisher;
  readonly #eventTarget: CallEventTarget;
  readonly #quality: QualitySettler;
  /** Server events held while a join's answer is being applied (replayed after it), else `null`. */
  #held: { name: keyof CallServerEvents; event: ServerEvent<keyof CallServerEvents> }[] | null = [];
  /**
   * Call events caused by joining (the others already there, their tracks, subscriptions), kept
   * until `joinCall()` resolved and the app's code right after its `await` ran; then `null`.
   */
  #deferred: { event: keyof CallEvents; args: unknown[] }[] | null = [];

  /** @internal Created by the call manager from the `call:join` answer; call {@link Call._start} next. */
  constructor(joined: CallJoined, options: CallOptions, ctx: CallContext) {
    super(`call ${joined.call.id}`, () => ctx.logger());
    this.#ctx = ctx;
    this.#id = joined.call.id;
    this.conversationId = joined.call.conversationId;
    const self = joined.call.participants.find((p) => p.id === joined.participantId);
    this.localParticipant = new LocalParticipant(joined.participantId, self?.userId ?? '', self?.name ?? '');
    const report = (what: string, error: unknown) => ctx.logger().warn(`call: ${what} failed`, { callId: this.#id, error });
    this.#roster = new RemoteRoster({
      emit: (event, ...args) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      consume: async (trackId) => {
        const generation = this.#generation;
        const { consumer } = await this.#requireSession().consume(trackId);
        return { consumer, generation };
      },
      generation: () => this.#generation,
      localId: () => this.localParticipant.id,
      autoSubscribe: options.autoSubscribe,
      canReceive: () => this.#session?.canReceive ?? true,
      logger: () => ctx.logger(),
      trackControl: {
        setLayers: (consumerId, spatialLayer, temporalLayer) =>
          ctx.request('call:setConsumerLayers', { callId: this.#id, consumerId, spatialLayer, ...(temporalLayer !== undefined ? { temporalLayer } : {}) }).then(() => undefined),
        setPaused: (consumerId, paused) => ctx.request('call:setConsumerPaused', { callId: this.#id, consumerId, paused }).then(() => undefined),
        report,
      },
    });
    this.#data = new CallData({
      session: () => this.#requireSession(),
      participant: (id) => this.#roster.participants.get(id) ?? null,
      emitData: (data, p) => this.emit('data', data, p),
      report,
      trace: (message, context) => ctx.logger().debug(message, { callId: this.#id, ...context }),
    });
    this.#publisher = new LocalPublisher({
      participant: this.localParticipant,
      session: () => this.#requireSession(),
      currentSession: () => this.#session,
      whenConnected: () => this.#whenConnected(),
      request: ctx.request,
      callId: () => this.#id,
      isLeft: () => this.#state === 'left',
      emitMuted: (track, muted) => this.emit(muted ? 'trackMuted' : 'trackUnmuted', track, this.localParticipant),
      logger: () => ctx.logger(),
    });
    this.#quality = new QualitySettler({
      emit: (quality, participant) => this.emit('connectionQualityChanged', quality, participant),
      present: (participant) => participant === this.localParticipant || this.#roster.participants.get(participant.id) === participant,
    });
    this.#eventTarget = {
      local: this.localParticipant,
      roster: this.#roster,
      publisher: this.#publisher,
      data: this.#data,
      rejoin: () => this.#recovery.trigger('rejoin'),
      end: (reason) => this.#end(reason),
      emit: (event, ...args) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      speakers: () => this.#speakers,
      setSpeakers: (speakers) => {
        this.#speakers = speakers;
      },
      reportQuality: (participant, quality) => this.#quality.report(participant, quality),
    };
    this.#recovery = new CallRecovery({
      rejoin: () => this.#join(this.localParticipant.id),
      joinAnew: async () => {
        await ctx.request('call:leave', { callId: this.#id }).catch(() => undefined);
        return this.#join(undefined);
      },
      restartIce: () => this.#requireSession().restartIce(),
      resume: (joined) => this.#resume(joined),
      rebuild: (joined) => this.#rebuild(joined),
      hold: () => {
        this.#held ??= [];
      },
      release: () => this.#release(),
      interrupted: () => this.#transition('interrupted'),
      recovered: () => this.#transition('recovered'),
      fail: (error) => {
        const reason = leftReasonOfRecoveryFailure(error);
        if (reason === 'ended') ctx.logger().info('call: ended while reconnecting', { callId: this.#id });
        else ctx.logger().warn('call: recovery impossible, leaving', { callId: this.#id, code: error.code });
        this.#end(reason);
      },
      isConnected: () => ctx.isConnected(),
      isOver: () => this.#state === 'left',
      logger: () => ctx.logger(),
    });
  }

  /** Call id, `k_…`. */
  get id(): string {
    return this.#id;
  }

  /** `connecting`, `connected`, `reconnecting` or `left` (final). */
  get state(): CallState {
    return this.#state;
  }

  /** The other participants by id. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#roster.participants;
  }

  /** The loudest participants now, loudest first. */
  get activeSpeakers(): Participant[] {
    return [...this.#speakers];
  }

  /** Publishes the microphone (captured, or the given track). */
  async publishMicrophone(options: PublishMicrophoneOptions = {}): Promise<LocalTrack> {
    this.#assertActive('publish');
    return this.#publisher.publishMicrophone(options);
  }

  /** Publishes the camera with simulcast (captured, or the given track). */
  async publishCamera(options: PublishCameraOptions = {}): Promise<LocalTrack> {
    this.#assertActive('publish');
    return this.#publisher.publishCamera(options);
  }

  /**
   * Shares a screen, window or tab the user picks, with its audio as `screen-audio` when asked and
   * the browser offers it. Stopping the share from the browser's UI, or `unpublish('screen')`,
   * unpublishes both.
   */
  async publishScreen(options: PublishScreenOptions = {}): Promise<LocalTrack> {
    this.#assertActive('publish');
    return this.#publisher.publishScreen(options);
  }

  /** Publishes any track as `source` (bots, Node, canvas or file captures). */
  async publishTrack(track: MediaStreamTrack, options: PublishTrackOptions): Promise<LocalTrack> {
    this.#assertActive('publish');
    return this.#publisher.publishTrack(track, options);
  }

  /**
   * Stops publishing `source` (a track the SDK captured is stopped too). Unpublishing `screen` also
   * unpublishes the `screen-audio` captured with it by `publishScreen()`.
   */
  async unpublish(source: TrackSource): Promise<void> {
    return this.#publisher.unpublish(source);
  }

  /** Mutes or unmutes a published source (`localTrack.mute()` / `unmute()` do the same). */
  async setMuted(source: TrackSource, muted: boolean): Promise<void> {
    return this.#publisher.setMuted(source, muted);
  }

  /** Switches the camera or microphone to another device, without renegotiation. */
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    this.#assertActive('switch devices');
    return this.#publisher.switchDevice(kind, deviceId);
  }

  /** Moderators: mutes another participant's source (only its publisher can unmute it). */
  async muteParticipant(participantId: string, source: TrackSource): Promise<void> {
    this.#assertActive('mute others');
    await this.#ctx.request('call:muteParticipant', { callId: this.#id, participantId, source });
  }

  /** Moderators: removes a participant from the call. */
  async removeParticipant(participantId: string): Promise<void> {
    this.#assertActive('remove others');
    await this.#ctx.request('call:removeParticipant', { callId: this.#id, participantId });
  }

  /** Rings the other members of the conversation (or `userIds`); resolves with who is rung. */
  async ring(userIds?: string[]): Promise<string[]> {
    this.#assertActive('ring');
    const { ringing } = await this.#ctx.request('call:ring', { callId: this.#id, ...(userIds ? { userIds } : {}) });
    return ringing;
  }

  /** Stops ringing. */
  async cancelRing(): Promise<void> {
    this.#assertActive('cancel ringing');
    await this.#ctx.request('call:cancelRing', { callId: this.#id });
  }

  /**
   * Sends data to the other participants over the user's data channel, opened when the call is
   * joined (messages sent before it is open wait for it). Delivered reliably and in order to every
   * participant whose channel to you is open: a participant who is still joining may miss messages
   * sent in that moment, and participants who join later do not get earlier ones. Use the
   * conversation's chat for messages that must arrive.
   */
  sendData(data: string | ArrayBuffer | Uint8Array): void {
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) {
      throw new TypeError('data must be a string, an ArrayBuffer or a Uint8Array');
    }
    this.#assertActive('send data');
    this.#data.send(data);
  }

  /** Receives `track` (with `autoSubscribe: false`); resolves after `trackSubscribed`. */
  async subscribe(track: RemoteTrack): Promise<void> {
    this.#assertActive('subscribe');
    if (!this.#roster.ownerOf(track)) throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, `track ${track.id} is not published in this call`);
    return this.#roster.subscribe(track);
  }

  /** Stops receiving `track`. */
  async unsubscribe(track: RemoteTrack): Promise<void> {
    this.#roster.unsubscribe(track);
  }

  /** Leaves the call: everything published stops, nothing more is received. Idempotent. */
  async leave(): Promise<void> {
    if (this.#state === 'left') return;
    const callId = this.#id;
    this.#end('left');
    await this.#ctx.request('call:leave', { callId }).catch((e: unknown) => this.#ignoreGone(e));
  }

  /**
   * Emits a call event; while joining, keeps it for {@link Call.#deliverDeferred}.
   * @internal The SDK's own emitter; apps listen with `on`.
   */
  override emit<E extends keyof CallEvents>(event: E, ...args: CallEvents[E]): boolean {
    if (this.#deferred) {
      this.#deferred.push({ event, args });
      return true;
    }
    return this.#emitNow(event, args);
  }

  #emitNow(event: keyof CallEvents, args: unknown[]): boolean {
    return (super.emit as (e: keyof CallEvents, ...a: unknown[]) => boolean).call(this, event, ...args);
  }

  /**
   * @internal Loads the device, creates the transports and receives the others' tracks. Events
   * caused by the join are delivered after the returned promise (and `joinCall()`) resolved, in a
   * task of their own: listeners the app adds right after `await conversation.joinCall()` get each
   * of them once, in order.
   */
  async _start(joined: CallJoined): Promise<void> {
    let joinedNow = () => {};
    const resumeAfter = new Promise<void>((resolve) => (joinedNow = resolve));
    try {
      // Joined once the data channels are open too (they never fail the join; at most a few seconds).
      const { data } = await this.#open(joined, resumeAfter);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([data, new Promise((resolve) => (timer = setTimeout(resolve, DATA_CHANNELS_JOIN_WAIT_MS)))]);
      clearTimeout(timer);
      joinedNow();
    } catch (error) {
      joinedNow();
      this.#held = null;
      this.#deferred = null; // nobody can listen to a call whose join failed
      this.#end('error');
      await this.#ctx.request('call:leave', { callId: this.#id }).catch(() => undefined);
      throw toPlazaError(error, ErrorCode.MEDIA_INCOMPATIBLE);
    }
    this.#transition('ready');
    this.#release();
    // A task, not a microtask: it runs after every promise continuation of the join, the app's too.
    setTimeout(() => this.#deliverDeferred(), 0);
  }

  /** Emits the events kept while joining, in order; from now on events are emitted at once. */
  #deliverDeferred(): void {
    const deferred = this.#deferred ?? [];
    this.#deferred = null;
    for (const { event, args } of deferred) this.#emitNow(event, args);
  }

  /** @internal The Plaza connection dropped. */
  _onConnectionLost(): void {
    if (this.#state !== 'left') this.#recovery.connectionLost();
  }

  /** @internal The Plaza connection is back: join again with the participant id. */
  _onConnectionBack(): void {
    this.#recovery.trigger('rejoin');
  }

  /** @internal The Plaza client stopped reconnecting. */
  _onConnectionClosed(): void {
    this.#end('error');
  }

  /** @internal Routes a `call:*` server event of this call. */
  _onServerEvent<K extends keyof CallServerEvents>(name: K, event: ServerEvent<K>): void {
    if (this.#state === 'left') return;
    if (this.#held && name !== 'call:rebuild' && name !== 'call:ended') {
      this.#held.push({ name, event });
      return;
    }
    this.#dispatch(name, event);
  }

  #release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const { name, event } of held) if (this.#state !== 'left') this.#dispatch(name, event);
  }

  #dispatch<K extends keyof CallServerEvents>(name: K, event: ServerEvent<K>): void {
    routeCallEvent(this.#eventTarget, name, event);
  }

  /**
   * A new media session for `joined`; resolves with the settling of the subscriptions it started.
   * `resumeAfter`: see `MediaSessionOptions.resumeAfter` (the first join only).
   */
  async #open(joined: CallJoined, resumeAfter?: Promise<void>): Promise<{ subscribed: Promise<void>; data: Promise<void> }> {
    this.#generation += 1;
    const generation = this.#generation;
    const session = await MediaSession.create(joined, {
      ...(resumeAfter ? { resumeAfter } : {}),
      callId: this.#id,
      request: this.#ctx.request,
      webrtc: this.#ctx.webrtc,
      logger: () => this.#ctx.logger(),
      onTrouble: (direction, state) => {
        if (generation !== this.#generation || this.#state === 'left') return;
        this.#ctx.logger().info('call transport in trouble', { callId: this.#id, direction, state });
        this.#recovery.trigger('ice');
      },
    });
    if (this.#state === 'left') {
      session.close();
      return { subscribed: Promise.resolve(), data: Promise.resolve() };
    }
    this.#session = session;
    // The user's own data channel opens now, so the others receive it before anything is sent.
    // Asked for before the tracks: the receive transport negotiates one change at a time, and the
    // data channels (which the join waits for) can only open once theirs is negotiated; asked
    // for after the tracks, they waited for the video and its RTP probation to be negotiated
    // first and opened ~10 ms after the transport connected instead of with it.
    const data = Promise.all([
      this.#data.reconcile(joined.call.participants, this.localParticipant.id),
      session.canSend ? this.#data.open() : undefined,
    ]).then(() => undefined);
    const subscribed = this.#roster.reconcile(joined.call);
    // Wrapped: an async function returning a promise would wait for it.
    return { subscribed, data };
  }

  /** The server kept the transports (a resumed join): catch up with the call, then restart ICE. */
  async #resume(joined: CallJoined): Promise<void> {
    if (joined.call.id !== this.#id) throw new PlazaError(ErrorCode.CALL_NOT_FOUND, `call ${this.#id} ended while reconnecting`);
    const subscribed = this.#roster.reconcile(joined.call);
    void this.#data.reconcile(joined.call.participants, this.localParticipant.id);
    await this.#requireSession().restartIce();
    await subscribed;
  }

  /** Full rebuild: new session, every local track published again, every wanted track received again. */
  async #rebuild(joined: CallJoined): Promise<void> {
    if (joined.call.id !== this.#id) {
      // The call ended while the user was away and the join started a new one: not this call.
      await this.#ctx.request('call:leave', { callId: joined.call.id }).catch(() => undefined);
      throw new PlazaError(ErrorCode.CALL_NOT_FOUND, `call ${this.#id} ended while reconnecting`);
    }
    this.#roster.dropConsumers();
    this.#session?.close();
    this.#session = null;
    this.#data.reset();
    for (const t of this.localParticipant._tracks.values()) t._bind(null);
    this.localParticipant._setId(joined.participantId);
    const { subscribed, data } = await this.#open(joined);
    await this.#publisher.republish();
    await data;
    await subscribed;
  }

  async #join(participantId: string | undefined): Promise<CallJoined> {
    return this.#ctx.request('call:join', { conversationId: this.conversationId, ...(participantId ? { participantId } : {}) });
  }

  #whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'left') return Promise.reject(new InvalidStateError('the call is over'));
    return new Promise((resolve, reject) => {
      const done = () => {
        this.off('reconnected', done);
        this.off('left', gone);
        resolve();
      };
      const gone = () => {
        this.off('reconnected', done);
        this.off('left', gone);
        reject(new InvalidStateError('the call is over'));
      };
      this.on('reconnected', done);
      this.on('left', gone);
    });
  }

  #transition(input: CallStateInput): void {
    const next = nextCallState(this.#state, input);
    if (next === null) return;
    const previous = this.#state;
    this.#state = next;
    if (next === 'reconnecting') this.emit('reconnecting');
    else if (next === 'connected' && previous === 'reconnecting') this.emit('reconnected');
  }

  #end(reason: CallLeftReason): void {
    if (nextCallState(this.#state, 'ended') === null) return;
    this.#state = 'left';
    this.#recovery.dispose();
    this.#quality.dispose();
    this.#data.reset();
    this.#session?.close();
    this.#session = null;
    this.#publisher.closeAll();
    this.#roster.closeAll();
    this.#ctx.ended(this);
    this.emit('left', reason);
  }

  #requireSession(): MediaSession {
    if (!this.#session) throw new PlazaError(ErrorCode.DISCONNECTED, 'the call media is reconnecting');
    return this.#session;
  }

  /** Throws when the call is over; the public async methods call it so that they reject. */
  #assertActive(what: string): void {
    if (this.#state === 'left') throw new InvalidStateError(`cannot ${what}: the call is over`);
  }

  #ignoreGone(error: unknown): void {
    const e = toPlazaError(error);
    if (e.code === ErrorCode.DISCONNECTED || e.code === ErrorCode.CALL_NOT_FOUND || e.code === ErrorCode.MEDIA_NOT_FOUND) return;
    throw e;
  }

}
