/** Options of {@link GroupCommitBatcher}. */
export interface GroupCommitBatcherOptions<T> {
  /** Writes one batch in one transaction. */
  write: (items: readonly T[]) => Promise<void>;
  /** Called once a batch is committed. */
  committed: (items: readonly T[]) => void;
  /** Called when a batch could not be written. */
  failed: (items: readonly T[], error: unknown) => void;
  /** Items pushed within this many ms are committed together. */
  windowMs: number;
  /** A batch this large is written at once, without waiting for the window to close. */
  maxBatch: number;
}

/**
 * Group commit: instead of one transaction (one fsync) per item, the items pushed within a short
 * window are written in one transaction. Used by the audit log and by the webhook dispatcher's
 * delivery outcomes (until its batch commits, a delivery is still pending in the database; a crash
 * in that window means it is sent again, which at-least-once allows).
 */
export class GroupCommitBatcher<T> {
  readonly #o: GroupCommitBatcherOptions<T>;
  readonly #writing = new Set<Promise<void>>();
  #queue: T[] = [];
  #timer: NodeJS.Timeout | null = null;

  /** @param options - see {@link GroupCommitBatcherOptions} */
  constructor(options: GroupCommitBatcherOptions<T>) {
    this.#o = options;
  }

  /** Items queued for the next batch. */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues one item for the next batch. */
  push(item: T): void {
    this.#queue.push(item);
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
