import { EventEmitter } from 'node:events';
import { ErrorCode } from '@plaza/protocol';
import { createWorker } from 'mediasoup';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import { PlazaError } from '../errors.js';
import { observeWorker } from './mediaObjects.js';
import type { MediaObjectCounter, WorkerLoad } from './mediaObjects.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers to keep running. */
  size: number;
  /** Lowest RTC port. */
  rtcMinPort: number;
  /** Highest RTC port. */
  rtcMaxPort: number;
  /** The mediasoup worker's own log level. @default 'warn' */
  workerLogLevel?: 'debug' | 'warn' | 'error' | 'none';
  logger: Logger;
  /** Counts the workers and their objects (`plaza_media_objects`). */
  objects: MediaObjectCounter;
  /** Called once per worker death. */
  onDeath?: () => void;
}

/** Events of {@link WorkerPool}. */
export type WorkerPoolEvents = {
  /** A worker died; its routers are closed. A replacement is being started. */
  workerDied: [worker: ms.Worker];
};

/**
 * N mediasoup workers (child processes, one core each). `pick()` chooses the least-loaded live
 * worker (routers + transports on it). A worker that dies is logged, counted, and replaced;
 * listeners of `workerDied` move their calls elsewhere.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Map<ms.Worker, WorkerLoad>();
  #closed = false;
  readonly #starting = new Set<Promise<unknown>>();

  /** @param options - see {@link WorkerPoolOptions} */
  constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  /** Starts the workers. Rejects when none could be started. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(Array.from({ length: this.#options.size }, () => this.#spawn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length && failed[0]) throw failed[0].reason;
    for (const f of failed) this.#options.logger.error({ err: f.reason }, 'a media worker failed to start');
  }

  /** Live workers. */
  get workers(): ms.Worker[] {
    return [...this.#workers.keys()].filter((w) => !w.closed);
  }

  /**
   * The live worker with the fewest routers and transports; with `avoid`, another one when there
   * is one. Throws `MEDIA_UNAVAILABLE` when no worker runs.
   */
  pick(avoid: ReadonlySet<ms.Worker> = new Set()): ms.Worker {
    let best: ms.Worker | undefined;
    let bestScore = Infinity;
    let bestAvoided = true;
    for (const [worker, load] of this.#workers) {
      if (worker.closed) continue;
      const avoided = avoid.has(worker);
      const score = load.routers + load.transports;
      if (!best || (bestAvoided && !avoided) || (avoided === bestAvoided && score < bestScore)) {
        best = worker;
        bestScore = score;
        bestAvoided = avoided;
      }
    }
    if (!best) throw new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, 'no media worker is running; retry shortly');
    return best;
  }

  /** Like {@link pick}, but waits for workers being started (a replacement) when none is live. */
  async acquire(avoid: ReadonlySet<ms.Worker> = new Set()): Promise<ms.Worker> {
    if (this.workers.length === 0 && this.#starting.size > 0) await Promise.allSettled([...this.#starting]);
    return this.pick(avoid);
  }

  /** Closes every worker (and so every router on them). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#starting]);
    for (const worker of this.#workers.keys()) worker.close();
    this.#workers.clear();
  }

  async #spawn(): Promise<ms.Worker> {
    const creating = createWorker({
      logLevel: this.#options.workerLogLevel ?? 'warn',
      rtcMinPort: this.#options.rtcMinPort,
      rtcMaxPort: this.#options.rtcMaxPort,
    });
    this.#starting.add(creating);
    let worker: ms.Worker;
    try {
      worker = await creating;
    } finally {
      this.#starting.delete(creating);
    }
    if (this.#closed) {
      worker.close();
      return worker;
    }
    const load: WorkerLoad = { routers: 0, transports: 0 };
    observeWorker(worker, this.#options.objects, load);
    this.#workers.set(worker, load);
    worker.on('died', (error: Error) => this.#died(worker, error));
    this.#options.logger.info({ pid: worker.pid }, 'media worker started');
    return worker;
  }

  #died(worker: ms.Worker, error: Error): void {
    this.#workers.delete(worker);
    if (this.#closed) return;
    this.#options.logger.error({ err: error, pid: worker.pid }, 'media worker died; starting a replacement');
    this.#options.onDeath?.();
    const replacing = this.#spawn().catch((err: unknown) => this.#options.logger.error({ err }, 'could not start a replacement media worker'));
    void replacing;
    this.emit('workerDied', worker);
  }
}
