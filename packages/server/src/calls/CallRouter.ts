import type { types as ms } from 'mediasoup';
import { ROUTER_MEDIA_CODECS } from './mediaSettings.js';

/** Loudness of one audio producer, as mediasoup's AudioLevelObserver reports it (dBov, -127..0). */
export interface ProducerVolume {
  producerId: string;
  volume: number;
}

/**
 * One mediasoup Router of a call, with its AudioLevelObserver and the producers already piped
 * into it from the call's other routers. A call starts with one; more are added (on other
 * workers) when a router holds `participantsPerRouter` participants.
 */
export class CallRouter {
  /** The router. */
  readonly router: ms.Router;
  /** The worker it runs on. */
  readonly worker: ms.Worker;
  /** Participants assigned to it. */
  participants = 0;
  /** Latest volumes from its observer (empty when silent). */
  volumes: ProducerVolume[] = [];
  readonly #observer: ms.AudioLevelObserver;
  /** Producer (and data producer) ids available here: own ones and piped ones, with the pipe in flight. */
  readonly #piped = new Map<string, Promise<void>>();

  private constructor(worker: ms.Worker, router: ms.Router, observer: ms.AudioLevelObserver) {
    this.worker = worker;
    this.router = router;
    this.#observer = observer;
  }

  /**
   * Creates a router with the call codecs on `worker`, and its audio level observer.
   * `onVolumes` is called with each report (an empty list for silence).
   */
  static async create(worker: ms.Worker, onVolumes: (router: CallRouter) => void): Promise<CallRouter> {
    const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
    try {
      const observer = await router.createAudioLevelObserver({ maxEntries: 4, threshold: -70, interval: 500 });
      const callRouter = new CallRouter(worker, router, observer);
      observer.on('volumes', (volumes: { producer: ms.Producer; volume: number }[]) => {
        callRouter.volumes = volumes.map((v) => ({ producerId: v.producer.id, volume: v.volume }));
        onVolumes(callRouter);
      });
      observer.on('silence', () => {
        callRouter.volumes = [];
        onVolumes(callRouter);
      });
      return callRouter;
    } catch (error) {
      router.close();
      throw error;
    }
  }

  /** Whether the router is gone (closed, or its worker died). */
  get closed(): boolean {
    return this.router.closed;
  }

  /** Adds an audio producer of this router to its level observer (failures only cost speaker detection). */
  async observeAudio(producer: ms.Producer): Promise<void> {
    if (producer.kind !== 'audio' || this.#observer.closed) return;
    await this.#observer.addProducer({ producerId: producer.id }).catch(() => undefined);
  }

  /**
   * Makes `producerId` (a producer of `source`) consumable on this router: pipes it over with
   * `pipeToRouter` the first time, and waits for a pipe in flight the next times.
   */
  ensureProducer(source: CallRouter, producerId: string): Promise<void> {
    return this.#ensure(source, producerId, { producerId });
  }

  /** Like {@link ensureProducer} for a data producer. */
  ensureDataProducer(source: CallRouter, dataProducerId: string): Promise<void> {
    return this.#ensure(source, dataProducerId, { dataProducerId });
  }

  #ensure(source: CallRouter, id: string, what: { producerId: string } | { dataProducerId: string }): Promise<void> {
    if (source === this) return Promise.resolve();
    let piping = this.#piped.get(id);
    if (!piping) {
      piping = source.router.pipeToRouter({ ...what, router: this.router }).then((result) => {
        const piped = result.pipeProducer ?? result.pipeDataProducer;
        piped?.observer.once('close', () => this.#piped.delete(id));
      });
      piping.catch(() => this.#piped.delete(id));
      this.#piped.set(id, piping);
    }
    return piping;
  }

  /** Closes the router (and everything on it). */
  close(): void {
    this.router.close();
  }
}
