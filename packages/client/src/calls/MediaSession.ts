import { ErrorCode } from '@plaza/protocol';
import type { CallJoined, ConsumerOptions, MediaKind, TrackSource } from '@plaza/protocol';
import type { Device, types as ms } from 'mediasoup-client';
import { PlazaError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  toClientRtpCapabilities,
  toClientRtpParameters,
  toClientSctpStreamParameters,
  toClientTransportOptions,
  toWireDtlsParameters,
  toWireRtpCapabilities,
  toWireRtpParameters,
  toWireSctpStreamParameters,
} from './convert.js';
import type { RequestFn } from './signaling.js';
import { createDevice } from './webrtc.js';
import type { WebRtcImplementation } from './webrtc.js';

/** How long a transport may stay `disconnected` before ICE is restarted, in ms. */
export const TRANSPORT_DISCONNECTED_GRACE_MS = 2000;

/** What a {@link MediaSession} needs from its call. */
export interface MediaSessionOptions {
  /** The call's id. */
  callId: string;
  /** Signaling. */
  request: RequestFn;
  /** WebRTC classes for runtimes without them. */
  webrtc: WebRtcImplementation | undefined;
  /** Where to log. */
  logger: () => Logger;
  /** A transport failed, or stayed disconnected for {@link TRANSPORT_DISCONNECTED_GRACE_MS}. */
  onTrouble: (direction: 'send' | 'recv', state: string) => void;
  /**
   * While joining: the server's consumers are resumed (their media starts) once this settles — when
   * `joinCall()` resolves and the app gets the tracks — instead of as soon as they exist. Media
   * that starts earlier brings its first key frame before the app can attach the track, and an
   * element attached after it shows nothing until the next key frame (tens of ms after a layer
   * change, seconds when a key frame request is lost). Consuming still resolves at once.
   */
  resumeAfter?: Promise<void>;
}

/** Options of {@link MediaSession.produce}. */
export interface ProduceOptions {
  source: TrackSource;
  encodings?: ms.RtpEncodingParameters[];
  codecOptions?: ms.ProducerCodecOptions;
  paused: boolean;
}

/**
 * @internal One mediasoup-client device with its send and receive transports for one `call:join`
 * answer. A full rebuild throws the session away and makes a new one; it never outlives its
 * transports. All signaling of media goes through here.
 */
export class MediaSession {
  readonly #device: Device;
  readonly #options: MediaSessionOptions;
  readonly #send: ms.Transport | null;
  readonly #recv: ms.Transport | null;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;
  /** `options.resumeAfter` until it settles (see there), then `null`. */
  #joining: Promise<void> | null;

  private constructor(device: Device, joined: CallJoined, options: MediaSessionOptions) {
    this.#device = device;
    this.#options = options;
    this.#joining = options.resumeAfter ?? null;
    const over = () => {
      this.#joining = null;
    };
    this.#joining?.then(over, over);
    const { callId, request } = options;
    this.#send = joined.sendTransport ? device.createSendTransport(toClientTransportOptions(joined.sendTransport, joined.iceServers)) : null;
    this.#recv = joined.recvTransport ? device.createRecvTransport(toClientTransportOptions(joined.recvTransport, joined.iceServers)) : null;
    for (const transport of [this.#send, this.#recv]) {
      if (!transport) continue;
      transport.on('connect', ({ dtlsParameters }, ok, fail) => {
        request('call:connectTransport', { callId, transportId: transport.id, dtlsParameters: toWireDtlsParameters(dtlsParameters) }).then(() => ok(), fail);
      });
      transport.on('connectionstatechange', (state) => this.#onState(transport, state));
    }
    this.#send?.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      request('call:produce', {
        callId,
        transportId: this.#send?.id ?? '',
        kind,
        source: appData['source'] as TrackSource,
        rtpParameters: toWireRtpParameters(rtpParameters),
        ...(appData['paused'] === true ? { paused: true } : {}),
      }).then(({ trackId }) => ok({ id: trackId }), fail);
    });
    this.#send?.on('producedata', ({ sctpStreamParameters, label, protocol }, ok, fail) => {
      request('call:produceData', {
        callId,
        transportId: this.#send?.id ?? '',
        sctpStreamParameters: toWireSctpStreamParameters(sctpStreamParameters),
        ...(label ? { label } : {}),
        ...(protocol ? { protocol } : {}),
      }).then(({ dataProducerId }) => ok({ id: dataProducerId }), fail);
    });
  }

  /** Loads a new device with the router's capabilities and creates the transports of `joined`. */
  static async create(joined: CallJoined, options: MediaSessionOptions): Promise<MediaSession> {
    const device = await createDevice(options.webrtc);
    await device.load({ routerRtpCapabilities: toClientRtpCapabilities(joined.routerRtpCapabilities) });
    return new MediaSession(device, joined, options);
  }

  /** Whether the user may publish (the server gave a send transport). */
  get canSend(): boolean {
    return this.#send !== null;
  }

  /** Whether the user may subscribe (the server gave a receive transport). */
  get canReceive(): boolean {
    return this.#recv !== null;
  }

  /** Whether the device can send media of `kind` with the call's codecs. */
  canProduce(kind: MediaKind): boolean {
    return this.#device.canProduce(kind);
  }

  /** Publishes `track` (never stopped by the session: tracks survive rebuilds). */
  produce(track: MediaStreamTrack, options: ProduceOptions): Promise<ms.Producer> {
    const send = this.#requireSend();
    return send.produce({
      track,
      stopTracks: false,
      ...(options.encodings ? { encodings: options.encodings } : {}),
      ...(options.codecOptions ? { codecOptions: options.codecOptions } : {}),
      appData: { source: options.source, paused: options.paused },
    });
  }

  /** Receives a track: `call:consume`, the client consumer, then resumes the server's consumer. */
  async consume(trackId: string): Promise<{ consumer: ms.Consumer; options: ConsumerOptions }> {
    const recv = this.#recv;
    if (!recv) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'the token does not allow receiving tracks (no receive transport)');
    const { callId, request } = this.#options;
    const options = await request('call:consume', { callId, trackId, rtpCapabilities: toWireRtpCapabilities(this.#device.recvRtpCapabilities) });
    const consumer = await recv.consume({
      id: options.id,
      producerId: options.trackId,
      kind: options.kind,
      rtpParameters: toClientRtpParameters(options.rtpParameters),
    });
    if (this.#closed) {
      consumer.close();
      throw new TypeError('the media session closed while consuming');
    }
    const resume = () => request('call:setConsumerPaused', { callId, consumerId: options.id, paused: false });
    const joining = this.#joining;
    if (!joining) await resume();
    else {
      joining
        .then(() => (this.#closed || consumer.closed ? undefined : resume()))
        .catch((error: unknown) => this.#options.logger().warn('call: resuming a consumer failed', { callId, consumerId: options.id, error }));
    }
    return { consumer, options };
  }

  /** Opens the user's data channel. */
  produceData(): Promise<ms.DataProducer> {
    return this.#requireSend().produceData({ ordered: true, label: 'plaza' });
  }

  /** Receives another participant's data channel. */
  async consumeData(dataProducerId: string): Promise<ms.DataConsumer> {
    const recv = this.#recv;
    if (!recv) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'the token does not allow receiving data (no receive transport)');
    const { callId, request } = this.#options;
    const o = await request('call:consumeData', { callId, dataProducerId });
    return recv.consumeData({
      id: o.id,
      dataProducerId: o.dataProducerId,
      sctpStreamParameters: toClientSctpStreamParameters(o.sctpStreamParameters),
      label: o.label,
      protocol: o.protocol,
    });
  }

  /** New ICE credentials from the server for both transports (`call:restartIce`). */
  async restartIce(): Promise<void> {
    const { callId, request } = this.#options;
    for (const transport of [this.#send, this.#recv]) {
      if (!transport || transport.closed) continue;
      const { iceParameters } = await request('call:restartIce', { callId, transportId: transport.id });
      await transport.restartIce({ iceParameters: { ...iceParameters } });
    }
  }

  /** Connection states of the transports, for diagnostics. */
  get connectionStates(): { send: string | null; recv: string | null } {
    return { send: this.#send?.connectionState ?? null, recv: this.#recv?.connectionState ?? null };
  }

  /** Closes both transports (and with them every producer and consumer; tracks are kept). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#send?.close();
    this.#recv?.close();
  }

  /** Whether {@link MediaSession.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #requireSend(): ms.Transport {
    if (!this.#send) throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'the token allows publishing nothing (no send transport)');
    return this.#send;
  }

  #onState(transport: ms.Transport, state: ms.ConnectionState): void {
    if (this.#closed) return;
    const direction = transport.direction;
    this.#options.logger().debug('call transport state', { callId: this.#options.callId, direction, state });
    const timer = this.#timers.get(direction);
    if (timer) clearTimeout(timer);
    this.#timers.delete(direction);
    if (state === 'failed') {
      this.#options.onTrouble(direction, state);
    } else if (state === 'disconnected') {
      this.#timers.set(
        direction,
        setTimeout(() => {
          this.#timers.delete(direction);
          if (!this.#closed && transport.connectionState === 'disconnected') this.#options.onTrouble(direction, state);
        }, TRANSPORT_DISCONNECTED_GRACE_MS),
      );
    }
  }
}
