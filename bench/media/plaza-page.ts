/**
 * The Plaza bench page (bundled with esbuild, run in Chromium next to the client's own browser
 * bundle, which the page's HTML imports as `window.Plaza`). Puts {@link BenchPageApi} on
 * `window.benchMedia`; the join is what an app does: connect, get the conversation, `joinCall()`,
 * attach the camera track that gets subscribed.
 */
import type { Call, PlazaClient, RemoteTrack } from '@plaza/client';
import { firstFrame, pcConnectedAfter, videoElement, type BenchPageApi, type PageConfig } from './pageApi.js';

type PlazaModule = typeof import('@plaza/client');

declare global {
  interface Window {
    /** The client's browser bundle (set by the page's HTML). */
    Plaza?: PlazaModule;
  }
}

let client: PlazaClient | undefined;
let call: Call | undefined;
let connectedAt = 0;

async function joinCall(config: PageConfig): Promise<Call> {
  const Plaza = window.Plaza;
  if (!Plaza) throw new Error('the Plaza browser bundle is not loaded');
  client = new Plaza.PlazaClient(config.url, { webSocketOnly: true, logger: Plaza.silentLogger });
  await client.connect(config.token as string);
  connectedAt = performance.now();
  const conversation = await client.conversations.get(config.conversationId as string);
  call = await conversation.joinCall();
  return call;
}

/** The first subscribed camera track of another participant, waiting for one. */
function subscribedCamera(c: Call): Promise<RemoteTrack> {
  return new Promise((resolve) => {
    const check = (track: RemoteTrack) => {
      if (track.kind === 'video' && track.isSubscribed && track.mediaStreamTrack) {
        c.off('trackSubscribed', check);
        resolve(track);
        return true;
      }
      return false;
    };
    c.on('trackSubscribed', check);
    for (const p of c.participants.values()) for (const t of p.tracks.values()) if (check(t)) return;
  });
}

const api: BenchPageApi = {
  async publish(config) {
    const c = await joinCall(config);
    await c.publishCamera({ resolution: { width: 640, height: 360 } });
  },
  async join(config) {
    const t0 = performance.now();
    const c = await joinCall(config);
    const signaled = performance.now();
    const track = await subscribedCamera(c);
    const video = videoElement();
    track.attach(video);
    void video.play().catch(() => undefined);
    const shown = await firstFrame(video);
    const connected = await pcConnectedAfter(t0);
    return { connectedMs: connectedAt - t0, signalingMs: signaled - t0, transportMs: connected - t0, firstFrameMs: shown - t0 };
  },
  async leave() {
    await call?.leave().catch(() => undefined);
    await client?.disconnect().catch(() => undefined);
    call = undefined;
    client = undefined;
  },
};
window.benchMedia = api;
