import { ErrorCode } from '@plaza/protocol';
import type { CallParticipant } from '@plaza/protocol';
import type { types as ms } from 'mediasoup-client';
import type { MediaSession } from './MediaSession.js';
import type { RemoteParticipant } from './RemoteParticipant.js';

/** What the data channels need from their call (injected). */
export interface CallDataContext {
  /** The current media session (throws while there is none). */
  session(): MediaSession;
  /** A remote participant by id. */
  participant(id: string): RemoteParticipant | null;
  /** Emits `data`. */
  emitData(data: string | ArrayBuffer, participant: RemoteParticipant): void;
  /** Reports a failure in the background. */
  report(what: string, error: unknown): void;
  /** Logs what is expected and harmless, for tracing. */
  trace(message: string, context: Record<string, unknown>): void;
}

type Payload = string | ArrayBuffer | Uint8Array;

/**
 * @internal The call's data channels: the user's own (opened as soon as the call is joined with a
 * send transport, so the others receive it before anything is sent; messages sent before it is
 * open are queued) and one receiving channel per other participant.
 */
export class CallData {
  readonly #ctx: CallDataContext;
  #producer: ms.DataProducer | null = null;
  #opening: Promise<void> | null = null;
  /** Incremented by {@link CallData.reset}: an opening started before is of no use. */
  #epoch = 0;
  #queue: Payload[] = [];
  /** Data producers of others (id → participant id), kept to receive them again after a rebuild. */
  readonly #known = new Map<string, string>();
  readonly #consumers = new Map<string, ms.DataConsumer>();
  /** The user's own channel received back (see {@link CallData.open}), its messages ignored. */
  #loopback: ms.DataConsumer | null = null;

  constructor(ctx: CallDataContext) {
    this.#ctx = ctx;
  }

  /**
   * Opens the user's channel on the current session (on joining, and again after a rebuild);
   * resolves once it is open (never rejects: a failure is reported, and `send` tries again).
   */
  open(): Promise<void> {
    if (this.#producer) return Promise.resolve();
    if (!this.#opening) {
      const run: Promise<void> = this.#open().finally(() => {
        if (this.#opening === run) this.#opening = null;
      });
      this.#opening = run;
    }
    return this.#opening;
  }

  /** Sends now when the channel is open, else queues (and opens it on first use). */
  send(data: Payload): void {
    const p = this.#producer;
    if (p && !p.closed && p.readyState === 'open') {
      p.send(toSendable(data));
      return;
    }
    this.#queue.push(data);
    if (!p) void this.open();
  }

  /**
   * Receives another participant's channel; resolves once it is open (never rejects). Nothing to
   * do without a receive transport (a token with `canSubscribe: false` receives no data either).
   */
  consume(dataProducerId: string, participantId: string): Promise<void> {
    this.#known.set(dataProducerId, participantId);
    if (this.#consumers.has(dataProducerId) || !this.#canReceive()) return Promise.resolve();
    return this.#consume(dataProducerId, participantId);
  }

  /**
   * After a (re)join: forgets channels of participants who are gone and receives the known ones of
   * those present; resolves once they are open (never rejects).
   */
  reconcile(participants: readonly CallParticipant[], localId: string): Promise<void> {
    const present = new Set(participants.map((p) => p.id));
    for (const [id, participantId] of [...this.#known]) {
      if (!present.has(participantId) || participantId === localId) this.#known.delete(id);
    }
    for (const p of participants) {
      const id = p.dataProducerId;
      if (typeof id === 'string' && p.id !== localId) this.#known.set(id, p.id);
    }
    const started = [...this.#known].map(([id, participantId]) => this.consume(id, participantId));
    return Promise.all(started).then(() => undefined);
  }

  /** Closes every channel (the session is gone); queued messages wait for the next channel. */
  reset(): void {
    this.#producer?.close();
    this.#producer = null;
    this.#opening = null;
    this.#epoch += 1;
    this.#loopback?.close();
    this.#loopback = null;
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
  }

  async #open(): Promise<void> {
    let session: MediaSession;
    try {
      session = this.#ctx.session();
    } catch {
      return; // no session (being rebuilt): the queue waits for the next session's open()
    }
    const epoch = this.#epoch;
    let producer: ms.DataProducer;
    try {
      producer = await session.produceData();
    } catch (error) {
      if (epoch !== this.#epoch) return;
      this.#queue = [];
      this.#ctx.report('opening the data channel', error);
      return;
    }
    if (session.closed || epoch !== this.#epoch) {
      producer.close();
      return;
    }
    this.#producer = producer;
    const flush = () => {
      const queue = this.#queue;
      this.#queue = [];
      for (const data of queue) producer.send(toSendable(data));
    };
    if (producer.readyState === 'open') flush();
    else {
      await new Promise<void>((resolve) => {
        producer.on('open', () => {
          flush();
          resolve();
        });
        producer.on('close', resolve);
      });
    }
    await this.#openLoopback(session, producer.id, epoch);
  }

  /**
   * Receives the user's own channel back (its messages are ignored) so that the receive
   * transport's SCTP association is up before anyone else opens a channel: a channel of someone
   * who joins is then open here within one round trip of `call:dataPublished`, instead of after a
   * whole DTLS/SCTP handshake during which that participant's first messages would be lost.
   */
  async #openLoopback(session: MediaSession, dataProducerId: string, epoch: number): Promise<void> {
    if (!session.canReceive || this.#loopback) return;
    let consumer: ms.DataConsumer;
    try {
      consumer = await session.consumeData(dataProducerId);
    } catch (error) {
      this.#ctx.report('preparing to receive data channels', error);
      return;
    }
    if (session.closed || epoch !== this.#epoch) {
      consumer.close();
      return;
    }
    this.#loopback = consumer;
    if (consumer.readyState === 'open') return;
    await new Promise<void>((resolve) => {
      consumer.on('open', resolve);
      consumer.on('close', resolve);
    });
  }

  #canReceive(): boolean {
    try {
      return this.#ctx.session().canReceive;
    } catch {
      return true; // no session now (being rebuilt): the next reconcile decides
    }
  }

  async #consume(dataProducerId: string, participantId: string): Promise<void> {
    let consumer: ms.DataConsumer;
    try {
      consumer = await this.#ctx.session().consumeData(dataProducerId);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === ErrorCode.MEDIA_NOT_FOUND) {
        // Its publisher closed it meanwhile: left, or rebuilt after a blip or an SFU restart, in
        // which case its new channel arrives with `call:dataPublished`. Expected, nothing lost.
        if (this.#known.get(dataProducerId) === participantId) this.#known.delete(dataProducerId);
        this.#ctx.trace('call: a data channel was gone before it was received', { dataProducerId, participantId });
        return;
      }
      this.#ctx.report('receiving a data channel', error);
      return;
    }
    if (this.#consumers.has(dataProducerId) || this.#known.get(dataProducerId) !== participantId) {
      consumer.close();
      return;
    }
    this.#consumers.set(dataProducerId, consumer);
    consumer.on('message', (data: unknown) => {
      const p = this.#ctx.participant(participantId);
      if (!p) return;
      if (typeof data === 'string' || data instanceof ArrayBuffer) this.#ctx.emitData(data, p);
      else if (ArrayBuffer.isView(data)) this.#ctx.emitData(copyToArrayBuffer(data), p);
    });
    consumer.on('close', () => this.#consumers.delete(dataProducerId));
    if (consumer.readyState === 'open') return;
    await new Promise<void>((resolve) => {
      consumer.on('open', resolve);
      consumer.on('close', resolve);
    });
  }
}

function toSendable(data: Payload): string | ArrayBuffer {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  return copyToArrayBuffer(data);
}

function copyToArrayBuffer(view: ArrayBufferView): ArrayBuffer {
  const out = new ArrayBuffer(view.byteLength);
  new Uint8Array(out).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}
