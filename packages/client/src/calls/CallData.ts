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
}

type Payload = string | ArrayBuffer | Uint8Array;

/**
 * @internal The call's data channels: the user's own (opened on the first `sendData`, messages queued
 * until it is open) and one receiving channel per other participant that opened one.
 */
export class CallData {
  readonly #ctx: CallDataContext;
  #producer: ms.DataProducer | null = null;
  #opening = false;
  #queue: Payload[] = [];
  /** Data producers of others (id → participant id), kept to receive them again after a rebuild. */
  readonly #known = new Map<string, string>();
  readonly #consumers = new Map<string, ms.DataConsumer>();

  constructor(ctx: CallDataContext) {
    this.#ctx = ctx;
  }

  /** Opens the user's channel again on the current session when messages are waiting (after a rebuild). */
  resume(): void {
    if (this.#queue.length > 0 && !this.#producer && !this.#opening) void this.#open();
  }

  /** Sends now when the channel is open, else queues (and opens it on first use). */
  send(data: Payload): void {
    const p = this.#producer;
    if (p && !p.closed && p.readyState === 'open') {
      p.send(toSendable(data));
      return;
    }
    this.#queue.push(data);
    if (!p && !this.#opening) void this.#open();
  }

  /** Receives another participant's channel. */
  consume(dataProducerId: string, participantId: string): void {
    this.#known.set(dataProducerId, participantId);
    if (this.#consumers.has(dataProducerId)) return;
    void this.#consume(dataProducerId, participantId);
  }

  /**
   * After a (re)join: forgets channels of participants who are gone and receives the known ones of
   * those present (the user's own channel reopens on the next `sendData`).
   */
  reconcile(participants: readonly CallParticipant[], localId: string): void {
    const present = new Set(participants.map((p) => p.id));
    for (const [id, participantId] of [...this.#known]) {
      if (!present.has(participantId) || participantId === localId) this.#known.delete(id);
    }
    for (const p of participants) {
      const id = p.dataProducerId;
      if (typeof id === 'string' && p.id !== localId) this.#known.set(id, p.id);
    }
    for (const [id, participantId] of this.#known) this.consume(id, participantId);
  }

  /** Closes every channel (the session is gone); queued messages wait for the next channel. */
  reset(): void {
    this.#producer?.close();
    this.#producer = null;
    this.#opening = false;
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
  }

  async #open(): Promise<void> {
    this.#opening = true;
    let producer: ms.DataProducer;
    try {
      producer = await this.#ctx.session().produceData();
    } catch (error) {
      this.#opening = false;
      this.#queue = [];
      this.#ctx.report('opening the data channel', error);
      return;
    }
    if (!this.#opening) {
      producer.close();
      return;
    }
    this.#opening = false;
    this.#producer = producer;
    const flush = () => {
      const queue = this.#queue;
      this.#queue = [];
      for (const data of queue) producer.send(toSendable(data));
    };
    if (producer.readyState === 'open') flush();
    else producer.on('open', flush);
  }

  async #consume(dataProducerId: string, participantId: string): Promise<void> {
    let consumer: ms.DataConsumer;
    try {
      consumer = await this.#ctx.session().consumeData(dataProducerId);
    } catch (error) {
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
