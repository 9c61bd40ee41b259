/**
 * The baseline of `bench:media`: a bare SFU with no Plaza code — socket.io signaling and one
 * mediasoup worker with one router (the same codecs and transport options as Plaza, from
 * `codecs.ts`). It does what a call needs on the wire and nothing else: no authentication, no
 * validation, no bookkeeping beyond the mediasoup objects.
 *
 * Requests (socket.io acks, answers `{ ok: true, data }` / `{ ok: false, error }`):
 * `join { send, recv }` → router capabilities, the transports asked for, the producers so far;
 * `connectTransport { transportId, dtlsParameters }`; `produce { transportId, kind, rtpParameters }`
 * → `{ id }` (others get `newProducer`); `consume { transportId, producerId, rtpCapabilities }` →
 * consumer options (created paused); `resume { consumerId }`. A socket's transports close when it
 * disconnects.
 *
 * Run as a child process by `media.ts`: `node --import tsx bench/media/bare-server.ts`. Listens on
 * 127.0.0.1, port 0; prints `{"msg":"listening","port":N}`.
 */
import { createServer } from 'node:http';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { Server } from 'socket.io';
import { MEDIA_CODECS, TRANSPORT_OPTIONS } from './codecs.js';

type Ack = (answer: unknown) => void;
type Handler = (payload: Record<string, unknown>) => Promise<unknown>;

const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 41000, rtcMaxPort: 41999 });
worker.on('died', () => {
  process.stderr.write('mediasoup worker died\n');
  process.exit(1);
});
const router: types.Router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS as unknown as types.RtpCodecCapability[] });
const producers = new Map<string, types.Producer>();

const http = createServer();
const io = new Server(http, { serveClient: false, cors: { origin: true } });

async function createTransport(): Promise<types.WebRtcTransport> {
  return router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], ...TRANSPORT_OPTIONS, numSctpStreams: { ...TRANSPORT_OPTIONS.numSctpStreams } });
}

const transportOptions = (t: types.WebRtcTransport) => ({ id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters, sctpParameters: t.sctpParameters });

io.on('connection', (socket) => {
  const transports = new Map<string, types.WebRtcTransport>();
  const consumers = new Map<string, types.Consumer>();
  const transport = (id: unknown) => {
    const t = transports.get(String(id));
    if (!t) throw new Error('no such transport');
    return t;
  };
  const handlers: Record<string, Handler> = {
    join: async ({ send, recv }) => {
      const sendTransport = send ? await createTransport() : null;
      const recvTransport = recv ? await createTransport() : null;
      for (const t of [sendTransport, recvTransport]) if (t) transports.set(t.id, t);
      return {
        routerRtpCapabilities: router.rtpCapabilities,
        sendTransport: sendTransport && transportOptions(sendTransport),
        recvTransport: recvTransport && transportOptions(recvTransport),
        producers: [...producers.values()].map((p) => ({ id: p.id, kind: p.kind })),
      };
    },
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await transport(transportId).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: async ({ transportId, kind, rtpParameters }) => {
      const producer = await transport(transportId).produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters });
      producers.set(producer.id, producer);
      producer.observer.once('close', () => producers.delete(producer.id));
      socket.broadcast.emit('newProducer', { id: producer.id, kind: producer.kind });
      return { id: producer.id };
    },
    consume: async ({ transportId, producerId, rtpCapabilities }) => {
      const caps = rtpCapabilities as types.RtpCapabilities;
      if (!router.canConsume({ producerId: String(producerId), rtpCapabilities: caps })) throw new Error('cannot consume');
      const consumer = await transport(transportId).consume({ producerId: String(producerId), rtpCapabilities: caps, paused: true });
      consumers.set(consumer.id, consumer);
      consumer.observer.once('close', () => consumers.delete(consumer.id));
      return { id: consumer.id, producerId: consumer.producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
    },
    resume: async ({ consumerId }) => {
      await consumers.get(String(consumerId))?.resume();
      return {};
    },
  };
  for (const [event, handler] of Object.entries(handlers)) {
    socket.on(event, (payload: Record<string, unknown>, ack?: Ack) => {
      handler(payload ?? {}).then(
        (data) => ack?.({ ok: true, data }),
        (error: unknown) => ack?.({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    });
  }
  socket.on('disconnect', () => {
    for (const t of transports.values()) t.close();
    transports.clear();
  });
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port, workerPid: worker.pid })}\n`);
});

const stop = () => {
  void io.close(() => {
    worker.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
