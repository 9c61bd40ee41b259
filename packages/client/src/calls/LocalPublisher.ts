import { ErrorCode } from '@plaza/protocol';
import type { CallTrack, TrackSource } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import { InvalidStateError, PlazaError, toPlazaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PublishCameraOptions, PublishMicrophoneOptions, PublishScreenOptions, PublishTrackOptions } from './callOptions.js';
import { audioCodecOptions, cameraSimulcastEncodings, captureCamera, captureMicrophone, captureScreen, videoCodecOptions } from './capture.js';
import type { LocalParticipant } from './LocalParticipant.js';
import { LocalTrack } from './LocalTrack.js';
import type { MediaSession } from './MediaSession.js';
import type { RequestFn } from './signaling.js';
import { SOURCE_KIND } from './sources.js';

/** What publishing needs from its call (injected). */
export interface LocalPublisherContext {
  /** The user's participant (its `_tracks` are the published tracks). */
  participant: LocalParticipant;
  /** The current media session (throws while there is none). */
  session(): MediaSession;
  /** The current media session, or `null`. */
  currentSession(): MediaSession | null;
  /** Resolves once the call is connected (rejects when it is over). */
  whenConnected(): Promise<void>;
  /** Signaling. */
  request: RequestFn;
  /** The call id. */
  callId(): string;
  /** Whether the call is over. */
  isLeft(): boolean;
  /** Emits `trackMuted` / `trackUnmuted` for a local track. */
  emitMuted(track: LocalTrack, muted: boolean): void;
  /** Where to log. */
  logger(): Logger;
}

interface PublishInit {
  owned: boolean;
  muted: boolean;
  encodings?: ms.RtpEncodingParameters[];
  codecOptions?: ms.ProducerCodecOptions;
}

/**
 * @internal The user's side of a call: capturing, publishing, muting, device switching, and
 * publishing the same tracks again after a rebuild.
 */
export class LocalPublisher {
  readonly #ctx: LocalPublisherContext;
  /** The `screen-audio` track captured with a `screen` track (unpublished with it). */
  readonly #screenAudioOf = new WeakMap<LocalTrack, LocalTrack>();

  constructor(ctx: LocalPublisherContext) {
    this.#ctx = ctx;
  }

  async publishMicrophone(options: PublishMicrophoneOptions): Promise<LocalTrack> {
    const track = options.track ?? (await captureMicrophone(options.deviceId));
    return this.#publish('microphone', track, { owned: !options.track, muted: options.muted === true, codecOptions: audioCodecOptions });
  }

  async publishCamera(options: PublishCameraOptions): Promise<LocalTrack> {
    const track = options.track ?? (await captureCamera(options.deviceId, options.resolution));
    return this.#publish('camera', track, {
      owned: !options.track,
      muted: options.muted === true,
      codecOptions: videoCodecOptions,
      ...(options.simulcast === false ? {} : { encodings: cameraSimulcastEncodings.map((e) => ({ ...e })) }),
    });
  }

  async publishScreen(options: PublishScreenOptions): Promise<LocalTrack> {
    const captured = await captureScreen(options.audio !== false);
    const screen = await this.#publish('screen', captured.video, { owned: true, muted: false, codecOptions: videoCodecOptions }).catch((error: unknown) => {
      captured.audio?.stop();
      throw error;
    });
    if (captured.audio) {
      const audio = await this.#publish('screen-audio', captured.audio, { owned: true, muted: false, codecOptions: audioCodecOptions }).catch((error: unknown) => {
        this.#ctx.logger().warn('call: publishing the screen audio failed', { callId: this.#ctx.callId(), error });
        return null;
      });
      if (audio) this.#screenAudioOf.set(screen, audio);
    }
    // Stopped from the browser's own "stop sharing" UI: unpublish (its audio goes with it).
    captured.video.addEventListener('ended', () => {
      if (this.#ctx.participant._tracks.get('screen') !== screen) return;
      this.unpublish('screen').catch(() => undefined);
    });
    return screen;
  }

  async publishTrack(track: MediaStreamTrack, options: PublishTrackOptions): Promise<LocalTrack> {
    if (!track || (track.kind !== 'audio' && track.kind !== 'video')) throw new TypeError('track must be an audio or video MediaStreamTrack');
    if (typeof options !== 'object' || options === null || !(options.source in SOURCE_KIND)) {
      throw new TypeError('options.source must be microphone, camera, screen or screen-audio');
    }
    const simulcast = track.kind === 'video' && options.simulcast === true;
    return this.#publish(options.source, track, {
      owned: false,
      muted: options.muted === true,
      codecOptions: track.kind === 'audio' ? audioCodecOptions : videoCodecOptions,
      ...(simulcast ? { encodings: cameraSimulcastEncodings.map((e) => ({ ...e })) } : {}),
    });
  }

  /** Stops publishing `source`; a screen's audio captured with it (`screen-audio`) goes with it. */
  async unpublish(source: TrackSource): Promise<void> {
    const track = this.#ctx.participant._tracks.get(source);
    if (!track) return;
    const audio = source === 'screen' ? this.#screenAudioOf.get(track) : undefined;
    if (audio && this.#ctx.participant._tracks.get('screen-audio') === audio) {
      await Promise.all([this.#unpublishOne(source, track), this.#unpublishOne('screen-audio', audio)]);
      return;
    }
    await this.#unpublishOne(source, track);
  }

  async #unpublishOne(source: TrackSource, track: LocalTrack): Promise<void> {
    this.#ctx.participant._tracks.delete(source);
    const trackId = track.id;
    track._close();
    if (!trackId || this.#ctx.isLeft()) return;
    await this.#ctx.request('call:unpublish', { callId: this.#ctx.callId(), trackId }).catch((error: unknown) => {
      const e = toPlazaError(error);
      // Gone already (reconnecting, or the server dropped it): nothing left to unpublish.
      if (e.code !== ErrorCode.DISCONNECTED && e.code !== ErrorCode.MEDIA_NOT_FOUND && e.code !== ErrorCode.CALL_NOT_FOUND) throw e;
    });
  }

  async setMuted(source: TrackSource, muted: boolean): Promise<void> {
    if (typeof muted !== 'boolean') throw new TypeError('muted must be a boolean');
    const track = this.#ctx.participant._tracks.get(source);
    if (!track) throw new InvalidStateError(`nothing is published as ${source}`);
    if (track.muted === muted) return;
    track._setMuted(muted);
    this.#ctx.emitMuted(track, muted);
    if (track.id) await this.#ctx.request('call:setTrackMuted', { callId: this.#ctx.callId(), trackId: track.id, muted });
  }

  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    if (kind !== 'camera' && kind !== 'microphone') throw new TypeError("kind must be 'camera' or 'microphone'");
    if (typeof deviceId !== 'string' || deviceId.length === 0) throw new TypeError('deviceId must be a non-empty string');
    const track = this.#ctx.participant._tracks.get(kind);
    if (!track) throw new InvalidStateError(`nothing is published as ${kind}`);
    const old = track.mediaStreamTrack;
    const settings = old.getSettings?.() ?? {};
    const fresh =
      kind === 'microphone'
        ? await captureMicrophone(deviceId)
        : await captureCamera(deviceId, settings.width && settings.height ? { width: settings.width, height: settings.height } : undefined);
    await track._replaceTrack(fresh);
    if (track._owned) old.stop();
  }

  /** A local track changed on the server: a moderator muted it (or another device of the user changed it). */
  onTrackUpdated(t: CallTrack): void {
    const local = [...this.#ctx.participant._tracks.values()].find((x) => x.id === t.id);
    if (!local || local.muted === t.muted) return;
    local._setMuted(t.muted);
    this.#ctx.emitMuted(local, t.muted);
  }

  /** Publishes every track again on the current session (after a rebuild), muted ones muted. */
  async republish(): Promise<void> {
    for (const [source, track] of this.#ctx.participant._tracks) await this.#produce(source, track);
  }

  /** Unpublished by leaving: closes every producer and stops the tracks the SDK captured. */
  closeAll(): void {
    for (const t of this.#ctx.participant._tracks.values()) t._close();
    this.#ctx.participant._tracks.clear();
  }

  async #publish(source: TrackSource, track: MediaStreamTrack, init: PublishInit): Promise<LocalTrack> {
    const release = () => {
      if (init.owned) track.stop();
    };
    if (SOURCE_KIND[source] !== track.kind) {
      release();
      throw new TypeError(`${source} must be an ${SOURCE_KIND[source]} track (got ${track.kind})`);
    }
    const tracks = this.#ctx.participant._tracks;
    if (tracks.has(source)) {
      release();
      throw new PlazaError(ErrorCode.CONFLICT, `${source} is already published in this call: unpublish it first`);
    }
    const local = new LocalTrack(source, track, init, { setMuted: (s, m) => this.setMuted(s, m) });
    tracks.set(source, local);
    try {
      await this.#ctx.whenConnected();
      await this.#produce(source, local);
    } catch (error) {
      if (tracks.get(source) === local) tracks.delete(source);
      local._close();
      throw toPlazaError(error, ErrorCode.MEDIA_INCOMPATIBLE);
    }
    return local;
  }

  async #produce(source: TrackSource, local: LocalTrack): Promise<void> {
    const session = this.#ctx.session();
    const producer = await session.produce(local.mediaStreamTrack, { source, paused: local.muted, ...local._publishOptions });
    if (this.#ctx.currentSession() !== session || this.#ctx.participant._tracks.get(source) !== local) {
      producer.close();
      if (this.#ctx.isLeft()) throw new InvalidStateError('the call was left while publishing');
      return;
    }
    if (local.muted) producer.pause();
    local._bind(producer);
  }
}
