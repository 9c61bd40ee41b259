import type { DeliveryOutcome } from '../storage/WebhookRecords.js';

/** Options of {@link OutcomeBatcher}. */
export interface OutcomeBatcherOptions {
  /** Writes one batch in one transaction (`WebhookRecords.recordOutcomes`). */
  write: (outcomes: readonly DeliveryOutcome[]) => Promise<void>;
  /** Called once a batch is committed. */
  committed: (outcomes: readonly DeliveryOutcome[]) => void;
  /** Called when a batch could not be written (its deliveries are still pending in the database). */
  failed: (outcomes: readonly DeliveryOutcome[], error: unknown) => void;
  /** Outcomes that finish within this many ms are committed together. */
  windowMs: number;
  /** A batch this large is written at once, without waiting for the window to close. */
  maxBatch: number;
}

/**
 * Group commit of delivery outcomes: instead of one committed UPDATE (one fsync) per finished
 * delivery, the outcomes that finish within a short window are written in one transaction, like the
 * audit log's batches. Until its batch commits, a delivery is still pending in the database; a crash
 * in that window means it is sent again (at least once).
 */
export class OutcomeBatcher {
  readonly #o: OutcomeBatcherOptions;
  readonly #writing = new Set<Promise<void>>();
  #queue: DeliveryOutcome[] = [];
  #timer: NodeJS.Timeout | null = null;

  /** @param options - see {@link OutcomeBatcherOptions} */
  constructor(options: OutcomeBatcherOptions) {
    this.#o = options;
  }

  /** Outcomes queued or being written. */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues one outcome for the next batch. */
  push(outcome: DeliveryOutcome): void {
    this.#queue.push(outcome);
    if (this.#queue.length >= this.#o.maxBatch) this.#write();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#write(), this.#o.windowMs);
      this.#timer.unref();
    }
  }

  /** Writes what is queued now and waits until every batch so far is committed (or failed). */
  async flush(): Promise<void> {
    this.#write();
    await Promise.allSettled([...this.#writing]);
  }

  #write(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    const writing = this.#o
      .write(batch)
      .then(
        () => this.#o.committed(batch),
        (error: unknown) => this.#o.failed(batch, error),
      )
      .finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
  }
}
