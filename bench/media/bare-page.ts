/**
 * The bare bench page (bundled with esbuild, run in Chromium): mediasoup-client and socket.io used
 * directly through {@link BarePeer}, no Plaza code. Puts {@link BenchPageApi} on `window.benchMedia`.
 */
import { BarePeer } from './BarePeer.js';
import { CAMERA_SIMULCAST, VIDEO_CODEC_OPTIONS } from './codecs.js';
import { firstFrame, pcConnectedAfter, videoFor, type BenchPageApi } from './pageApi.js';

let peer: BarePeer | undefined;

const api: BenchPageApi = {
  async publish({ url }) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: false });
    peer = await BarePeer.join(url, { send: true, recv: false });
    await peer.produce(stream.getVideoTracks()[0] as MediaStreamTrack, CAMERA_SIMULCAST.map((e) => ({ ...e })), { ...VIDEO_CODEC_OPTIONS });
  },
  async join({ url }) {
    const t0 = performance.now();
    peer = await BarePeer.join(url, { send: false, recv: true });
    const signaled = performance.now();
    const consumer = await peer.consume((await peer.producerOf('video')).id);
    const shown = await firstFrame(videoFor(consumer.track));
    const connected = await pcConnectedAfter(t0);
    return { connectedMs: peer.connectedAt - t0, signalingMs: signaled - t0, transportMs: connected - t0, firstFrameMs: shown - t0 };
  },
  async leave() {
    peer?.close();
    peer = undefined;
  },
};
window.benchMedia = api;
