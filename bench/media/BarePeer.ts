import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';

/** Options of {@link BarePeer.join}. */
export interface BarePeerOptions {
  /** Ask for a send transport. */
  send: boolean;
  /** Ask for a receive transport. */
  recv: boolean;
  /** mediasoup-client handler (`'Chrome111'` in Node on @roamhq/wrtc); detected when left out. */
  handlerName?: types.BuiltinHandlerName;
}

/** A producer the bare server announced. */
export interface BareProducer {
  id: string;
  kind: 'audio' | 'video';
}

interface JoinAnswer {
  routerRtpCapabilities: types.RtpCapabilities;
  sendTransport: types.TransportOptions | null;
  recvTransport: types.TransportOptions | null;
  producers: BareProducer[];
}

/**
 * A client of `bare-server.ts`: socket.io plus mediasoup-client used directly, with no Plaza
 * code. Runs in the browser (bundled into the bare bench page) and in Node on @roamhq/wrtc.
 */
export class BarePeer {
  readonly socket: Socket;
  readonly device: Device;
  readonly sendTransport: types.Transport | undefined;
  readonly recvTransport: types.Transport | undefined;
  readonly producers: BareProducer[];
  /** `performance.now()` when the socket was connected. */
  readonly connectedAt: number;
  readonly #waiting: ((p: BareProducer) => void)[] = [];

  private constructor(socket: Socket, device: Device, answer: JoinAnswer, connectedAt: number) {
    this.socket = socket;
    this.device = device;
    this.producers = [...answer.producers];
    this.connectedAt = connectedAt;
    socket.on('newProducer', (p: BareProducer) => {
      this.producers.push(p);
      for (const wake of this.#waiting.splice(0)) wake(p);
    });
    if (answer.sendTransport) {
      const t = device.createSendTransport(answer.sendTransport);
      t.on('connect', ({ dtlsParameters }, ok, fail) => void this.request('connectTransport', { transportId: t.id, dtlsParameters }).then(() => ok(), fail));
      t.on('produce', ({ kind, rtpParameters }, ok, fail) =>
        void this.request<{ id: string }>('produce', { transportId: t.id, kind, rtpParameters }).then(ok, fail),
      );
      this.sendTransport = t;
    }
    if (answer.recvTransport) {
      const t = device.createRecvTransport(answer.recvTransport);
      t.on('connect', ({ dtlsParameters }, ok, fail) => void this.request('connectTransport', { transportId: t.id, dtlsParameters }).then(() => ok(), fail));
      this.recvTransport = t;
    }
  }

  /** Connects to the bare server at `url`, joins, loads the device and creates the transports. */
  static async join(url: string, options: BarePeerOptions): Promise<BarePeer> {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(error));
    });
    const connectedAt = performance.now();
    const answer = await request<JoinAnswer>(socket, 'join', { send: options.send, recv: options.recv });
    const device = new Device(options.handlerName ? { handlerName: options.handlerName } : {});
    await device.load({ routerRtpCapabilities: answer.routerRtpCapabilities });
    return new BarePeer(socket, device, answer, connectedAt);
  }

  /** Sends a request and resolves with its answer's data. */
  request<T = unknown>(event: string, payload: unknown): Promise<T> {
    return request<T>(this.socket, event, payload);
  }

  /** Publishes `track` with the given encodings and codec options. */
  produce(track: MediaStreamTrack, encodings?: types.RtpEncodingParameters[], codecOptions?: types.ProducerCodecOptions): Promise<types.Producer> {
    if (!this.sendTransport) throw new Error('joined without a send transport');
    return this.sendTransport.produce({ track, ...(encodings ? { encodings: encodings.map((e) => ({ ...e })) } : {}), ...(codecOptions ? { codecOptions } : {}) });
  }

  /** The first producer of `kind`, waiting for one to be announced. */
  async producerOf(kind: 'audio' | 'video'): Promise<BareProducer> {
    for (;;) {
      const known = this.producers.find((p) => p.kind === kind);
      if (known) return known;
      await new Promise<BareProducer>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Consumes `producerId` the usual way: server consumer (paused), client consumer, resume. */
  async consume(producerId: string): Promise<types.Consumer> {
    const t = this.recvTransport;
    if (!t) throw new Error('joined without a receive transport');
    const options = await this.request<{ id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: types.RtpParameters }>('consume', {
      transportId: t.id,
      producerId,
      rtpCapabilities: this.device.recvRtpCapabilities,
    });
    const consumer = await t.consume(options);
    await this.request('resume', { consumerId: consumer.id });
    return consumer;
  }

  /** Closes the transports and the socket (the server closes its side on disconnect). */
  close(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.socket.close();
  }
}

async function request<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const answer = (await socket.timeout(20_000).emitWithAck(event, payload)) as { ok: true; data: T } | { ok: false; error: string };
  if (!answer.ok) throw new Error(`${event} failed: ${answer.error}`);
  return answer.data;
}
