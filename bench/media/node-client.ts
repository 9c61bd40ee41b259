/**
 * One load-client process of the CPU run of `bench:media` (child of `media.ts`): either the
 * publisher (a synthetic 640x360 camera from @roamhq/wrtc) or a group of subscribers, each with
 * its own connection and a frame-counting video sink, on the bare SFU or on Plaza. Talks to its
 * parent over the IPC channel (`ParentMessage` / `ChildMessage`). Closes everything and then calls
 * `process.exit` (a process that carried wrtc media aborts if it exits on its own).
 *
 * `node --import tsx bench/media/node-client.ts '<NodeClientConfig JSON>'`
 */
import wrtc from '@roamhq/wrtc';
import { BarePeer } from './BarePeer.js';
import { CPU_RUN_ENCODING, CPU_RUN_VIDEO, VIDEO_CODEC_OPTIONS } from './codecs.js';
import { capVideoSenders, installWebrtcGlobals, rtpCounters } from './nodeWebrtc.js';
import type { ChildMessage, NodeClientConfig, NodeSide, ParentMessage } from './nodeSide.js';
import { startSyntheticCamera, type SyntheticCamera } from './syntheticVideo.js';

const config = JSON.parse(process.argv[2] ?? '{}') as NodeClientConfig;
const send = (message: ChildMessage) => process.send?.(message);

installWebrtcGlobals();

/** The bare SFU through {@link BarePeer}. */
function bareSide(url: string): NodeSide {
  return {
    async publish(track) {
      const peer = await BarePeer.join(url, { send: true, recv: false, handlerName: 'Chrome111' });
      const producer = await peer.produce(track, undefined, { ...VIDEO_CODEC_OPTIONS });
      return async () => {
        producer.close();
        peer.close();
      };
    },
    async subscribe() {
      const peer = await BarePeer.join(url, { send: false, recv: true, handlerName: 'Chrome111' });
      const consumer = await peer.consume((await peer.producerOf('video')).id);
      return {
        track: consumer.track,
        close: async () => {
          consumer.close();
          peer.close();
        },
      };
    },
  };
}

async function sideFor(c: NodeClientConfig): Promise<NodeSide> {
  if (c.system === 'bare') return bareSide(c.url);
  const { plazaSide } = (await import('./plazaNode.js')) as { plazaSide: (c: NodeClientConfig) => NodeSide };
  return plazaSide(c);
}

const closers: (() => Promise<void>)[] = [];
const frames: number[] = [];
const sinks: { stop(): void }[] = [];
let camera: SyntheticCamera | undefined;

async function start(): Promise<void> {
  const side = await sideFor(config);
  if (config.role === 'publisher') {
    capVideoSenders(CPU_RUN_ENCODING.maxBitrate, CPU_RUN_ENCODING.maxFramerate);
    camera = startSyntheticCamera(CPU_RUN_VIDEO.width, CPU_RUN_VIDEO.height, CPU_RUN_VIDEO.fps);
    closers.push(await side.publish(camera.track));
    send({ type: 'ready', subscribed: 0, errors: [] });
    return;
  }
  const errors: string[] = [];
  let subscribed = 0;
  // A few at a time: all at once makes the first ones time out on a 2-core machine.
  const indexes = Array.from({ length: config.count }, (_, i) => config.firstIndex + i);
  const run = async (index: number, slot: number) => {
    try {
      const { track, close } = await side.subscribe(index);
      closers.push(close);
      frames[slot] = 0;
      const sink = new wrtc.nonstandard.RTCVideoSink(track as never);
      sink.onframe = () => {
        frames[slot] = (frames[slot] ?? 0) + 1;
      };
      sinks.push(sink);
      subscribed++;
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  };
  for (let i = 0; i < indexes.length; i += 5) {
    await Promise.all(indexes.slice(i, i + 5).map((index, k) => run(index, i + k)));
  }
  send({ type: 'ready', subscribed, errors });
}

async function close(): Promise<void> {
  camera?.stop();
  for (const sink of sinks) sink.stop();
  await Promise.allSettled(closers.map((c) => c()));
  send({ type: 'closed' });
  setTimeout(() => process.exit(0), 100);
}

process.on('message', (message: ParentMessage) => {
  if (message.cmd === 'counters') {
    void rtpCounters().then((rtp) => send({ type: 'counters', frames: [...frames], pushed: camera?.frames() ?? 0, rtp }));
  } else if (message.cmd === 'close') {
    void close();
  }
});
process.on('disconnect', () => void close());

start().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  void close();
});
