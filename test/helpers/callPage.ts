import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TrackSource } from '@plaza/protocol';

/**
 * A call participant in real Chromium: a page that loads the client's browser bundle and exposes
 * `window.harness` (connect, join, publish, mute, leave, per-track receive stats), driven from the
 * test through `page.evaluate`. Serve {@link CALL_PAGE_HTML} with `startPageServer()` and launch
 * Chromium with `CALL_CHROMIUM_FLAGS` (both in `browserPage.ts`).
 *
 * Receive stats come from the page's RTCPeerConnections (a subclass records each one before the
 * bundle creates any): the `inbound-rtp` entry whose `trackIdentifier` is the remote track's
 * MediaStreamTrack id gives `framesDecoded` (video) or `packetsReceived`/`totalAudioEnergy` (audio).
 */

/** What one page receives on one remote track. */
export interface PageTrackStats {
  trackId: string;
  participantId: string;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  /** The publisher (or a moderator) muted it. */
  muted: boolean;
  subscribed: boolean;
  /** `inbound-rtp.framesDecoded` (video), 0 before stats exist. */
  framesDecoded: number;
  /** `inbound-rtp.packetsReceived`. */
  packetsReceived: number;
  /** `inbound-rtp.totalAudioEnergy` (audio). */
  totalAudioEnergy: number;
  /** Frames the attached `<video>` presented (`getVideoPlaybackQuality().totalVideoFrames`). */
  framesShown: number;
}

/** An event the page's call emitted, as recorded by the harness. */
export interface PageEvent {
  event: string;
  participantId?: string;
  userId?: string;
  trackId?: string;
  source?: string;
  reason?: string;
  at: number;
}

/** The page: a media grid, a live region and the harness script. */
export const CALL_PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Plaza e2e call</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem} video{width:320px;height:180px;background:#222;margin:2px}</style>
<script>
  // Record every peer connection (for getStats) before the bundle creates one.
  window.__pcs = [];
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
</script>
</head>
<body>
<h1 id="who">call participant</h1>
<p>state: <span id="state">loading</span></p>
<div id="media"></div>
<ol id="log" aria-live="polite"></ol>
<script type="module">
  import * as Plaza from '/plaza-client.js';
  const events = [];
  let client = null;
  let call = null;
  const log = (event, fields = {}) => {
    events.push({ event, ...fields, at: Date.now() });
    const li = document.createElement('li');
    li.textContent = event + ' ' + JSON.stringify(fields);
    document.getElementById('log').append(li);
  };
  const t = (track, p) => ({ trackId: track.id, source: track.source, participantId: p?.id, userId: p?.userId });
  // As docs/calls.md shows it: attach() on trackSubscribed, detach() (which removes the element
  // attach() created) on trackUnsubscribed. Keyed by the track object: it survives recoveries.
  const elements = new Map();
  function show(track) {
    if (elements.has(track) || !track.mediaStreamTrack) return;
    const el = track.attach();
    el.autoplay = true;
    el.playsInline = true;
    if (track.kind === 'audio') el.muted = false;
    document.getElementById('media').append(el);
    elements.set(track, el);
  }
  function hide(track) {
    if (!elements.has(track)) return;
    track.detach();
    elements.delete(track);
  }
  function watch(c) {
    call = c;
    document.getElementById('state').textContent = c.state;
    c.on('participantJoined', (p) => log('participantJoined', { participantId: p.id, userId: p.userId }));
    c.on('participantLeft', (p, reason) => { for (const tr of p.tracks.values()) hide(tr); log('participantLeft', { participantId: p.id, userId: p.userId, reason }); });
    c.on('trackPublished', (tr, p) => log('trackPublished', t(tr, p)));
    c.on('trackUnpublished', (tr, p) => { hide(tr); log('trackUnpublished', t(tr, p)); });
    c.on('trackSubscribed', (tr, p) => { show(tr); log('trackSubscribed', t(tr, p)); });
    c.on('trackUnsubscribed', (tr, p) => { hide(tr); log('trackUnsubscribed', t(tr, p)); });
    c.on('trackMuted', (tr, p) => log('trackMuted', t(tr, p)));
    c.on('trackUnmuted', (tr, p) => log('trackUnmuted', t(tr, p)));
    c.on('reconnecting', () => { document.getElementById('state').textContent = 'reconnecting'; log('reconnecting'); });
    c.on('reconnected', () => { document.getElementById('state').textContent = c.state; log('reconnected'); });
    c.on('left', (reason) => { document.getElementById('state').textContent = 'left'; log('left', { reason }); });
    for (const p of c.participants.values()) for (const tr of p.tracks.values()) show(tr);
  }
  async function inbound() {
    const byTrack = new Map();
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      try {
        (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.trackIdentifier) byTrack.set(s.trackIdentifier, s); });
      } catch {}
    }
    return byTrack;
  }
  window.harness = {
    events,
    async connect(url, token, name) {
      document.getElementById('who').textContent = name;
      client = new Plaza.PlazaClient(url, { webSocketOnly: true, reconnectPolicy: { nextDelayMs: () => 200 } });
      await client.connect(token);
      client.calls.on('ringing', (ring) => log('ringing', { callId: ring.callId }));
      return client.user?.id ?? null;
    },
    async join(conversationId) {
      const conversation = await client.conversations.get(conversationId);
      watch(await conversation.joinCall());
      return { callId: call.id, participantId: call.localParticipant.id };
    },
    async publish(source) {
      const track =
        source === 'microphone' ? await call.publishMicrophone()
        : source === 'camera' ? await call.publishCamera({ resolution: { width: 640, height: 360 } })
        : await call.publishScreen({ audio: false });
      return track.id;
    },
    async setMuted(source, muted) { await call.setMuted(source, muted); },
    async unpublish(source) { await call.unpublish(source); },
    async leave() { await call.leave(); },
    state() { return call ? call.state : null; },
    mediaElements() {
      return [...document.querySelectorAll('#media video, #media audio')].map((el) => ({
        kind: el.tagName.toLowerCase(), playing: el.srcObject !== null, width: el.videoWidth ?? 0, height: el.videoHeight ?? 0,
      }));
    },
    participants() {
      return call ? [...call.participants.values()].map((p) => ({ participantId: p.id, userId: p.userId, sources: [...p.tracks.values()].map((tr) => tr.source) })) : [];
    },
    async stats() {
      const byTrack = await inbound();
      const out = [];
      if (!call) return out;
      for (const p of call.participants.values()) {
        for (const tr of p.tracks.values()) {
          const s = tr.mediaStreamTrack ? byTrack.get(tr.mediaStreamTrack.id) : undefined;
          const el = elements.get(tr);
          out.push({
            trackId: tr.id, participantId: p.id, userId: p.userId, source: tr.source, kind: tr.kind,
            muted: tr.muted, subscribed: tr.isSubscribed,
            framesDecoded: s?.framesDecoded ?? 0, packetsReceived: s?.packetsReceived ?? 0,
            totalAudioEnergy: s?.totalAudioEnergy ?? 0,
            framesShown: el && el.getVideoPlaybackQuality ? el.getVideoPlaybackQuality().totalVideoFrames : 0,
          });
        }
      }
      return out;
    },
  };
  window.plazaLoaded = true;
</script>
</body>
</html>`;

/** Options of {@link CallPage.open}. */
export interface CallPageOptions {
  /** Label for messages and the page heading. */
  name: string;
  /** Console messages matching this are not counted as page errors. */
  ignoreConsole?: RegExp;
}

/** One participant's page (in its own browser context, so nothing is shared between them). */
export class CallPage {
  /** Uncaught page errors and console errors, for failure messages and "no errors" checks. */
  readonly errors: string[] = [];
  /** Console warnings (the SDK logs its warnings there), for failure messages. */
  readonly warnings: string[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens the harness page from `origin` in a new context of `browser`. */
  static async open(browser: Browser, origin: string, options: CallPageOptions): Promise<CallPage> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const callPage = new CallPage(options.name, context, page);
    const network = options.ignoreConsole ?? /^Failed to load resource|^WebSocket connection to .* failed/;
    page.on('pageerror', (error) => callPage.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !network.test(message.text())) callPage.errors.push(`console.error: ${message.text()}`);
      if (message.type() === 'warning') callPage.warnings.push(message.text());
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { plazaLoaded?: boolean }).plazaLoaded === true, undefined, { timeout: 15_000 });
    return callPage;
  }

  /** Connects the page's PlazaClient; resolves with its user id. */
  connect(url: string, token: string): Promise<string> {
    return this.page.evaluate(([u, tk, n]) => (window as any).harness.connect(u, tk, n), [url, token, this.name] as const);
  }

  /** Joins the conversation's call. */
  join(conversationId: string): Promise<{ callId: string; participantId: string }> {
    return this.page.evaluate((id) => (window as any).harness.join(id), conversationId);
  }

  /** Publishes the fake microphone, camera (640x360) or screen; resolves with the track id. */
  publish(source: 'microphone' | 'camera' | 'screen'): Promise<string> {
    return this.page.evaluate((s) => (window as any).harness.publish(s), source);
  }

  /** `call.setMuted(source, muted)`. */
  setMuted(source: TrackSource, muted: boolean): Promise<void> {
    return this.page.evaluate(([s, m]) => (window as any).harness.setMuted(s, m), [source, muted] as const);
  }

  /** `call.leave()`. */
  leave(): Promise<void> {
    return this.page.evaluate(() => (window as any).harness.leave());
  }

  /** `call.state`, or null before joining. */
  state(): Promise<string | null> {
    return this.page.evaluate(() => (window as any).harness.state());
  }

  /** The `<video>`/`<audio>` elements in the page's media grid (what a user would see as tiles). */
  mediaElements(): Promise<{ kind: 'video' | 'audio'; playing: boolean; width: number; height: number }[]> {
    return this.page.evaluate(() => (window as any).harness.mediaElements());
  }

  /** Remote participants as the page's call sees them. */
  participants(): Promise<{ participantId: string; userId: string; sources: string[] }[]> {
    return this.page.evaluate(() => (window as any).harness.participants());
  }

  /** Receive stats of every remote track. */
  stats(): Promise<PageTrackStats[]> {
    return this.page.evaluate(() => (window as any).harness.stats());
  }

  /** The call events recorded so far. */
  events(): Promise<PageEvent[]> {
    return this.page.evaluate(() => (window as any).harness.events);
  }

  /** Closes the page's context. */
  async close(): Promise<void> {
    await this.context.close().catch(() => {});
  }
}

/** The counter that shows a track is flowing: decoded frames for video, received packets for audio. */
export const progress = (s: PageTrackStats): number => (s.kind === 'video' ? s.framesDecoded : s.packetsReceived);

/**
 * Samples every page twice, `intervalMs` apart, and returns, per page, the remote tracks whose
 * counter rose in between (decoded frames for video, packets for audio) — "keeps rising".
 */
export async function risingTracks(pages: CallPage[], intervalMs = 1000): Promise<Map<CallPage, PageTrackStats[]>> {
  const before = await Promise.all(pages.map((p) => p.stats()));
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const after = await Promise.all(pages.map((p) => p.stats()));
  const result = new Map<CallPage, PageTrackStats[]>();
  pages.forEach((page, i) => {
    const earlier = new Map((before[i] ?? []).map((s) => [s.trackId, progress(s)]));
    result.set(
      page,
      (after[i] ?? []).filter((s) => progress(s) > (earlier.get(s.trackId) ?? Number.POSITIVE_INFINITY)),
    );
  });
  return result;
}
