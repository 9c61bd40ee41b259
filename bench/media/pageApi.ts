/**
 * What the bench pages (bare and Plaza) put on `window.benchMedia`, and the timing helpers both
 * share. Both pages are bundled with esbuild and run in Chromium.
 */

/** Milliseconds from the start of a join (before the socket is opened) to each step. */
export interface JoinTimings {
  /** The signaling connection is up (bare: socket.io connected; Plaza: \`client.connect()\` resolved, i.e. authenticated). */
  connectedMs: number;
  /** Signaling connected: the join answer is in and the device and transports are set up. */
  signalingMs: number;
  /** The receiving peer connection reached `connectionState === 'connected'` (ICE + DTLS). */
  transportMs: number;
  /** The first remote video frame was decoded and presented (`requestVideoFrameCallback`). */
  firstFrameMs: number;
}

/** What a page's `join` / `publish` are given. */
export interface PageConfig {
  /** Signaling URL. */
  url: string;
  /** Plaza only: access token and conversation. */
  token?: string;
  conversationId?: string;
}

/** The bench's handle on a page. */
export interface BenchPageApi {
  publish(config: PageConfig): Promise<void>;
  join(config: PageConfig): Promise<JoinTimings>;
  leave(): Promise<void>;
}

declare global {
  interface Window {
    benchMedia?: BenchPageApi;
    /** `performance.now()` of every peer connection reaching 'connected', from {@link PEER_CONNECTION_PROBE}. */
    benchPcConnected?: number[];
  }
}

/**
 * Init script for every bench page, run before the page's own scripts: wraps RTCPeerConnection so
 * the time each one reaches 'connected' lands in `window.benchPcConnected` — the same probe for
 * both systems, without reaching into either client's internals.
 */
export const PEER_CONNECTION_PROBE = `(() => {
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  window.benchPcConnected = [];
  class Probed extends Original {
    constructor(...args) {
      super(...args);
      let seen = false;
      this.addEventListener('connectionstatechange', () => {
        if (!seen && this.connectionState === 'connected') {
          seen = true;
          window.benchPcConnected.push(performance.now());
        }
      });
    }
  }
  window.RTCPeerConnection = Probed;
})();`;

/** Resolves with `performance.now()` when `video` presents its first frame. */
export function firstFrame(video: HTMLVideoElement): Promise<number> {
  return new Promise((resolve) => {
    video.requestVideoFrameCallback((now) => resolve(Math.min(now, performance.now())));
  });
}

/**
 * A muted, autoplaying `<video>` in the page, 1280x720 CSS pixels: wider than 640, so Plaza's
 * size-based layer choice keeps the top simulcast layer, which is what the bare consumer gets by
 * default — both receive the same layer.
 */
export function videoElement(): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.style.width = '1280px';
  video.style.height = '720px';
  document.body.append(video);
  return video;
}

/** A {@link videoElement} showing `track`. */
export function videoFor(track: MediaStreamTrack): HTMLVideoElement {
  const video = videoElement();
  video.srcObject = new MediaStream([track]);
  void video.play().catch(() => undefined);
  return video;
}

/** The first 'connected' time after `since`, waiting up to `timeoutMs` for it. */
export async function pcConnectedAfter(since: number, timeoutMs = 10_000): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const at = (window.benchPcConnected ?? []).find((t) => t >= since);
    if (at !== undefined) return at;
    if (performance.now() > until) return Number.NaN;
    await new Promise((r) => setTimeout(r, 5));
  }
}
