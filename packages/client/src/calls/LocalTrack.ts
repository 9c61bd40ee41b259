import type { MediaKind, TrackSource } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import { clearElement, createMediaElement, showTrack } from './elements.js';

/** What a {@link LocalTrack} needs from its call. */
export interface LocalTrackControl {
  /** Mutes or unmutes the source (pauses the producer and tells the server). */
  setMuted(source: TrackSource, muted: boolean): Promise<void>;
}

/**
 * A track the user publishes in a call. Its `mediaStreamTrack` stays the same for the life of the
 * publication (also across reconnects); its `id` is the server's track id and changes when a
 * reconnect has to publish it again.
 */
export class LocalTrack {
  /** What it shows or carries. */
  readonly source: TrackSource;
  /** Audio or video. */
  readonly kind: MediaKind;
  #id = '';
  #muted: boolean;
  #track: MediaStreamTrack;
  #producer: ms.Producer | null = null;
  readonly #elements = new Set<HTMLMediaElement>();
  /** Elements `attach()` created itself (removed from the page when detached). */
  readonly #created = new WeakSet<HTMLMediaElement>();
  readonly #ctl: LocalTrackControl;
  /** @internal Whether the SDK captured the track (and so stops it when unpublished). */
  readonly _owned: boolean;
  /** @internal Encodings and codec options it was published with, to publish it again the same way. */
  readonly _publishOptions: { encodings?: ms.RtpEncodingParameters[]; codecOptions?: ms.ProducerCodecOptions };

  /** @internal Created by the call. */
  constructor(
    source: TrackSource,
    track: MediaStreamTrack,
    init: { muted: boolean; owned: boolean; encodings?: ms.RtpEncodingParameters[]; codecOptions?: ms.ProducerCodecOptions },
    ctl: LocalTrackControl,
  ) {
    this.source = source;
    this.kind = track.kind === 'audio' ? 'audio' : 'video';
    this.#track = track;
    this.#muted = init.muted;
    this._owned = init.owned;
    this._publishOptions = {
      ...(init.encodings ? { encodings: init.encodings } : {}),
      ...(init.codecOptions ? { codecOptions: init.codecOptions } : {}),
    };
    this.#ctl = ctl;
  }

  /** The server's track id (empty until published). */
  get id(): string {
    return this.#id;
  }

  /** Whether it is muted (by the user or a moderator): nothing is sent. */
  get muted(): boolean {
    return this.#muted;
  }

  /** The browser's (or WebRTC library's) track. */
  get mediaStreamTrack(): MediaStreamTrack {
    return this.#track;
  }

  /**
   * Shows the track in `element` (a new `<video>`/`<audio>` when none is given) and returns it.
   * Local audio elements are muted, so the user does not hear themselves.
   */
  attach(element?: HTMLMediaElement): HTMLMediaElement {
    let el = element;
    if (!el) {
      el = createMediaElement(this.kind);
      this.#created.add(el);
    }
    this.#elements.add(el);
    showTrack(el, this.#track, true);
    return el;
  }

  /**
   * Stops showing the track in `element`, or in every element when none is given. An element that
   * `attach()` created itself is also removed from the page; one the app passed in stays, emptied.
   */
  detach(element?: HTMLMediaElement): void {
    const els = element ? [element] : [...this.#elements];
    for (const el of els) {
      if (!this.#elements.delete(el)) continue;
      clearElement(el);
      if (this.#created.has(el)) el.remove();
    }
  }

  /** Mutes the track: no more media is sent, others see it muted. */
  mute(): Promise<void> {
    return this.#ctl.setMuted(this.source, true);
  }

  /** Unmutes the track (also after a moderator muted it). */
  unmute(): Promise<void> {
    return this.#ctl.setMuted(this.source, false);
  }

  /** @internal The producer now sending the track. */
  get _producer(): ms.Producer | null {
    return this.#producer;
  }

  /** @internal Binds the track to a new producer (first publication or after a rebuild). */
  _bind(producer: ms.Producer | null): void {
    this.#producer = producer;
    if (producer) this.#id = producer.id;
  }

  /** @internal Records the muted state and pauses or resumes the producer to match. */
  _setMuted(muted: boolean): void {
    this.#muted = muted;
    const p = this.#producer;
    if (!p || p.closed) return;
    if (muted && !p.paused) p.pause();
    else if (!muted && p.paused) p.resume();
  }

  /** @internal Swaps the media (device switch) without renegotiation. */
  async _replaceTrack(track: MediaStreamTrack): Promise<void> {
    const p = this.#producer;
    if (p && !p.closed) await p.replaceTrack({ track });
    this.#track = track;
    if (this.#muted) track.enabled = false;
    for (const el of this.#elements) showTrack(el, track, true);
  }

  /** @internal Unpublished: closes the producer, stops an SDK-captured track, clears elements. */
  _close(): void {
    this.#producer?.close();
    this.#producer = null;
    if (this._owned) this.#track.stop();
    this.detach();
  }
}
