import type { CallTrack, MediaKind, TrackSource } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import { clearElement, createMediaElement, showTrack } from './elements.js';
import { layerForWidths } from './layers.js';

/** What a {@link RemoteTrack} needs from its call. */
export interface RemoteTrackControl {
  /** `call:setConsumerLayers`. */
  setLayers(consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void>;
  /** `call:setConsumerPaused`. */
  setPaused(consumerId: string, paused: boolean): Promise<void>;
  /** Reports a failed request in the background. */
  report(what: string, error: unknown): void;
}

/**
 * A track another participant publishes. It is subscribed (media flows, `mediaStreamTrack` set)
 * after `trackSubscribed`; with `autoSubscribe: false` call `call.subscribe(track)`.
 */
export class RemoteTrack {
  /** What it shows or carries. */
  readonly source: TrackSource;
  /** Audio or video. */
  readonly kind: MediaKind;
  #id: string;
  #layers: number;
  #muted: boolean;
  #consumer: ms.Consumer | null = null;
  readonly #elements = new Set<HTMLMediaElement>();
  /** Elements `attach()` created itself (removed from the page when detached). */
  readonly #created = new WeakSet<HTMLMediaElement>();
  readonly #widths = new Map<HTMLMediaElement, number>();
  #observer: ResizeObserver | null = null;
  /** Layer last asked of the server (by size or by `setPreferredLayer`). */
  #layer: number | null = null;
  /** Set by `setPreferredLayer`: sizes no longer choose the layer. */
  #preferred: { spatial: number; temporal?: number } | null = null;
  #pausedForDetach = false;
  readonly #ctl: RemoteTrackControl;

  /** @internal Created by the call. */
  constructor(track: CallTrack, ctl: RemoteTrackControl) {
    this.#id = track.id;
    this.source = track.source;
    this.kind = track.kind;
    this.#layers = Math.max(1, track.layers);
    this.#muted = track.muted;
    this.#ctl = ctl;
  }

  /**
   * The server's track id. It changes when the publisher's track comes back after a recovery
   * (the SFU restarted): the object stays the same, the id is the new server track's.
   */
  get id(): string {
    return this.#id;
  }

  /** Number of simulcast layers the publisher sends (1 without simulcast). */
  get layers(): number {
    return this.#layers;
  }

  /** Whether its publisher (or a moderator) muted it. */
  get muted(): boolean {
    return this.#muted;
  }

  /** Whether the user receives it. */
  get isSubscribed(): boolean {
    return this.#consumer !== null && !this.#consumer.closed;
  }

  /** The received track while subscribed, else `null`. */
  get mediaStreamTrack(): MediaStreamTrack | null {
    return this.isSubscribed ? (this.#consumer?.track ?? null) : null;
  }

  /**
   * Shows the track in `element` (a new `<video>`/`<audio>` when none is given) and returns it. For
   * video the element's size is observed and the server sends the simulcast layer that fits. The
   * element keeps showing this track across recoveries (the SDK swaps the received track in).
   */
  attach(element?: HTMLMediaElement): HTMLMediaElement {
    let el = element;
    if (!el) {
      el = createMediaElement(this.kind);
      this.#created.add(el);
    }
    const isNew = !this.#elements.has(el);
    this.#elements.add(el);
    showTrack(el, this.mediaStreamTrack, false);
    if (isNew && this.kind === 'video') this.#observe(el);
    if (this.#pausedForDetach) this.#setPaused(false);
    return el;
  }

  /**
   * Stops showing the track in `element`, or in every element when none is given. An element that
   * `attach()` created itself is also removed from the page; an element the app passed to
   * `attach(element)` stays where it is, emptied. When no element is left, the server stops
   * sending the track until it is attached again.
   */
  detach(element?: HTMLMediaElement): void {
    const els = element ? [element] : [...this.#elements];
    for (const el of els) {
      if (!this.#elements.delete(el)) continue;
      this.#widths.delete(el);
      this.#observer?.unobserve(el);
      clearElement(el);
      if (this.#created.has(el)) el.remove();
    }
    if (this.#elements.size === 0) {
      this.#observer?.disconnect();
      this.#observer = null;
      if (els.length > 0 && !this.#pausedForDetach) this.#setPaused(true);
    }
  }

  /**
   * Asks the server for a simulcast layer (0 = lowest) instead of choosing one by the element size.
   * `null` undoes it: the layer follows the attached elements' size again (the top layer while no
   * element with a size is attached, as before any preference).
   *
   * @throws TypeError when `spatial` is not `null` or an integer 0–3, or `temporal` not an integer 0–3
   */
  async setPreferredLayer(spatial: number | null, temporal?: number): Promise<void> {
    if (spatial === null) {
      if (temporal !== undefined) throw new TypeError('temporal needs a spatial layer');
      if (!this.#preferred) return;
      this.#preferred = null;
      this.#layer = null;
      const c = this.#consumer;
      if (!c || c.closed) return;
      const layer = layerForWidths(this.#widths.values(), this.layers) ?? this.layers - 1;
      this.#layer = layer;
      await this.#ctl.setLayers(c.id, layer);
      return;
    }
    if (!Number.isInteger(spatial) || spatial < 0 || spatial > 3) throw new TypeError('spatial must be an integer 0-3');
    if (temporal !== undefined && (!Number.isInteger(temporal) || temporal < 0 || temporal > 3)) throw new TypeError('temporal must be an integer 0-3');
    this.#preferred = temporal === undefined ? { spatial } : { spatial, temporal };
    this.#layer = spatial;
    const c = this.#consumer;
    if (c && !c.closed) await this.#ctl.setLayers(c.id, spatial, temporal);
  }

  /** @internal The consumer receiving it, or `null`. */
  get _consumer(): ms.Consumer | null {
    return this.#consumer;
  }

  /**
   * @internal Binds a new consumer (subscribe, or a rebuild) and shows its track in the attached
   * elements; asks again for the layer and the pause state they need.
   */
  _bind(consumer: ms.Consumer): void {
    this.#consumer = consumer;
    for (const el of this.#elements) showTrack(el, consumer.track, false);
    const layer = this.#layer;
    this.#layer = null;
    if (this.#preferred) {
      this.#layer = this.#preferred.spatial;
      this.#ctl.setLayers(consumer.id, this.#preferred.spatial, this.#preferred.temporal).catch((e: unknown) => this.#ctl.report('setConsumerLayers', e));
    } else if (layer !== null) {
      this.#updateLayer();
    }
    if (this.#pausedForDetach) {
      this.#pausedForDetach = false;
      this.#setPaused(true);
    }
  }

  /**
   * @internal Unsubscribed: closes the consumer (elements stay attached, showing nothing; with
   * `keepShowing` they keep their last picture until {@link RemoteTrack._bind} swaps a new track in).
   */
  _unbind(keepShowing = false): void {
    this.#consumer?.close();
    this.#consumer = null;
    if (!keepShowing) for (const el of this.#elements) showTrack(el, null, false);
  }

  /**
   * @internal The publisher's track came back under a new server id (after a recovery): this object
   * stands for it from now on; the old consumer is closed, the elements stay attached.
   */
  _rekey(track: CallTrack): void {
    this._unbind(true);
    this.#id = track.id;
    this.#layers = Math.max(1, track.layers);
  }

  /** @internal Gone: unbinds and detaches every element. */
  _close(): void {
    this._unbind();
    this.detach();
    this.#pausedForDetach = false;
  }

  /** @internal Records the publisher's mute state. */
  _setMuted(muted: boolean): void {
    this.#muted = muted;
  }

  #observe(el: HTMLMediaElement): void {
    const RO = (globalThis as { ResizeObserver?: typeof ResizeObserver }).ResizeObserver;
    if (!RO) return;
    this.#observer ??= new RO((entries) => {
      for (const entry of entries) this.#widths.set(entry.target as HTMLMediaElement, entry.contentRect.width);
      this.#updateLayer();
    });
    this.#observer.observe(el);
  }

  #updateLayer(): void {
    if (this.#preferred) return;
    const layer = layerForWidths(this.#widths.values(), this.layers);
    const c = this.#consumer;
    if (layer === null || layer === this.#layer || !c || c.closed) return;
    this.#layer = layer;
    this.#ctl.setLayers(c.id, layer).catch((e: unknown) => this.#ctl.report('setConsumerLayers', e));
  }

  #setPaused(paused: boolean): void {
    this.#pausedForDetach = paused;
    const c = this.#consumer;
    if (!c || c.closed) return;
    if (paused) c.pause();
    else c.resume();
    this.#ctl.setPaused(c.id, paused).catch((e: unknown) => this.#ctl.report('setConsumerPaused', e));
  }
}
